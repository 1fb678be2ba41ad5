"""First-name gazetteer for the places where the small spaCy model misses names.

spaCy's small English model finds full names ~92% of the time but a bare first name ("Thanks
Jeff!") only ~40%, and it is English-only.  Support chats greet and sign off with first names, in
English, Spanish, German and French, so a gazetteer of common first names plus greeting/sign-off
patterns fills the gap.  Hand-written, deliberately not derived from any test corpus.
"""

from __future__ import annotations

import unicodedata

_EN = """
aaron abigail adam adrian aiden alan albert alex alexander alexandra alexis alice alicia alison
allison amanda amy andrea andrew angela anna anne annie anthony antonio arthur ashley austin
barbara ben benjamin beth betty beverly brandon brenda brian brittany bruce bryan caleb cameron
carl carlos carol caroline carolyn catherine charles charlie charlotte chelsea cheryl chloe chris
christina christine christopher cindy claire connor craig crystal cynthia dale dan daniel danielle
danny david deborah debra denise dennis derek diana diane donald donna doris dorothy douglas dylan
edward eileen elaine eleanor elizabeth ellen emily emma eric erica erin ethan eugene evan evelyn
gabriel gabriella gary george gerald gloria gregory hannah harold harry heather helen henry
holly howard ian isaac isabella jacob jacqueline jake james jamie jane janet janice jared jason
jean jeff jeffrey jennifer jenny jeremy jerry jesse jessica jill joan joe joel john johnny jon
jonathan jordan jose joseph joshua joyce judith judy julia julie justin karen katherine kathleen
kathryn kathy katie kayla keith kelly kenneth kevin kim kimberly kyle larry laura lauren lawrence
leah linda lisa logan lori louis lucas luke madison margaret maria marie marilyn martha martin
mary mason matt matthew megan melissa michael michelle mike molly nancy natalie nathan nicholas
nicole noah olivia oscar pamela patricia patrick paul peter philip phillip rachel ralph randy
rebecca richard rick robert robin roger ronald roy russell ruth ryan samantha samuel sandra sara
sarah scott sean sharon shawn shirley sophia sophie stephanie stephen steve steven susan tammy
teresa terry thomas tiffany timothy tina todd tom tony travis tyler valerie vanessa victoria
vincent virginia walter wayne william zachary zoe jeffery greg kate katy liz beth becky tim
nick josh sam dave jim bob joe ted ed andy chad brad kristen kristin courtney lindsey tara
tracy wendy whitney priya raj rahul ananya arjun wei li ming yuki hiroshi kenji mohammed
mohamed ahmed fatima omar aisha ali hassan yusuf olga ivan dmitri sergei natasha tatiana
"""

_ES = """
alejandro alejandra alberto alicia alvaro andres antonia antonio beatriz carla carmen cristina
cristian diego dolores eduardo elena emilio enrique esperanza esteban eva federico felipe
fernanda fernando francisco gabriela gonzalo guadalupe guillermo ignacio ines isabel jaime javier
jesus jorge josefa juan juana julio laura leticia lorena lucia luis manuel manuela marcos
margarita mariana mario marta mercedes miguel monica natalia nuria pablo paco pedro pilar raquel
ramon raul ricardo roberto rocio rodrigo rosa rosario santiago sergio silvia sofia teresa tomas
valentina veronica victor ximena yolanda agustin camila catalina daniela florencia joaquin
martina matias mateo nicolas sebastian valeria adriana alfonso amparo araceli consuelo encarna
inmaculada iñaki jordi josep montse xavier marc pau
"""

_DE = """
andreas anja bernd birgit christian christina claudia dieter dirk elke frank gabriele gerhard
günter hans heike heinz helga holger ingrid jan jens jörg julia jürgen karin katrin klaus kurt
lars lena lukas manfred marco markus martina matthias michaela monika nadine niklas nina ralf
renate sabine sandra silke simone stefan stefanie susanne sven thomas thorsten tobias torsten
uwe ursula ute werner wolfgang felix jonas leon finn maximilian moritz paul emma mia hannah
lea lina marie sophie johanna greta jürgen björn sönke jörn maik dirk kai uli ulrike wiebke
"""

_FR = """
alain amélie antoine aurélie bernard camille caroline catherine céline chantal christophe
claire clément david delphine didier dominique élodie émilie éric fabien florence françois
françoise frédéric gaëlle guillaume hélène hugo isabelle jacques jean julien laetitia laurent
léa louis lucas manon marc margaux mathieu mathilde maxime michel nathalie nicolas olivier
pascal patrick philippe pierre quentin romain sébastien serge stéphane sylvie thierry thibault
valérie vincent virginie yannick yves zoé benoît gérard hervé jérôme loïc mélanie océane
théo chloé inès anaïs baptiste corentin gaël loïck maëlle
"""

# Common words that are also first names: only accepted with a surname or in a greeting/sign-off.
AMBIGUOUS_RAW = """will mark may june april grace bill jack rose art faith hope joy august summer dawn ray
    max pat sue rob frank chase hunter page penny ruby jade amber iris lily violet destiny angel
    christian guy gene don earl sal van lee carol paris florence victoria virginia jordan austin
    madison logan mason kim li wei ming jesus mercedes pilar rosario dolores consuelo esperanza
    leon kai will marc eva ali jan lena nina simone camille claire"""


def _fold(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name)
    return "".join(c for c in folded if not unicodedata.combining(c))


FIRST_NAMES: frozenset[str] = frozenset(_fold(n) for n in (_EN + _ES + _DE + _FR).split())

# Words that follow a greeting but are not names ("Hi there", "Thanks again", "Hola equipo").
NOT_NAMES_RAW = """there all everyone team guys folks again so much a lot in advance for you again support
    sir madam maam ma'am both again y'all friend friends again bot assistant claude chatgpt gpt
    equipo todos amigo amiga señor señora usted gracias buenos buenas días tardes noches
    zusammen alle team herr frau leute bonjour monsieur madame tous merci beaucoup encore
    regards best thanks thank cheers hello hi hey dear hola hallo salut danke again kind warm
    the an please okay ok yes no sure customer client user agent admin manager draft reply note ticket order
    service sales billing account support"""

AMBIGUOUS: frozenset[str] = frozenset(_fold(n) for n in AMBIGUOUS_RAW.split())
NOT_NAMES: frozenset[str] = frozenset(_fold(n) for n in NOT_NAMES_RAW.split())
