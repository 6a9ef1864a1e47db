"""The demo's documents: texts written for the offline demo, in the style of Innlandet case papers.

They are not copies of real documents.  They are written to exercise the
pipeline: reform mentions in Bokmål and Nynorsk, the five innsatsområder,
samfunn- and sektor-framing, a hyphenated «helse- og omsorgstjenester», a
relevant-looking title without any reform mention, and one case that sits in
two meetings.  Each document is a title plus paragraphs; «## » starts a heading and
a newline inside a paragraph is a forced line break (to test hyphenation across lines).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DemoDoc:
    key: str
    title: str
    kind: str
    """saksframlegg | vedlegg | saksprotokoll | moteprotokoll | plan"""
    date: str
    paragraphs: list[str]
    saksbehandler: str = ""


@dataclass
class DemoItem:
    title: str
    saksnr: str
    docs: list[DemoDoc] = field(default_factory=list)
    case_type: str = "PS"


@dataclass
class DemoMeeting:
    board: str
    date: str
    items: list[DemoItem]
    protocol: DemoDoc | None = None


# ---------------------------------------------------------------------- Stange (Elements)

STANGE_LHL_SF = DemoDoc(
    "stange-lhl-sf",
    "Leve hele livet - handlingsplan for et aldersvennlig Stange 2020-2023",
    "saksframlegg",
    "2020-02-04",
    [
        "## Saksframlegg",
        "Saksbehandler: Kari Nordby. Arkivsak: 19/02144. Utvalg: Eldrerådet, Hovedutvalg for helse og omsorg, "
        "Kommunestyret.",
        "## Kommunedirektørens innstilling",
        "Kommunestyret vedtar handlingsplanen for Leve hele livet 2020–2023 som Stange kommunes oppfølging av "
        "kvalitetsreformen for eldre (Meld. St. 15 (2017–2018)).",
        "## Bakgrunn",
        "Regjeringen la i 2018 fram Leve hele livet – en kvalitetsreform for eldre. Reformen skal bidra til at eldre "
        "kan mestre livet lenger og ha trygghet for at de får hjelp når de trenger det. Kommunene er bedt om å "
        "beskrive hvordan de vil arbeide med reformens fem innsatsområder, og planen skal behandles politisk.",
        "Stange får flere eldre de neste tjue årene. Det er en utvikling hele samfunnet må forberede seg på, ikke "
        "bare helse- og omsorgstjenestene. Planen er derfor laget på tvers av sektorene, sammen med eldrerådet, "
        "frivilligsentralen, pensjonistforeningene og næringslivet.",
        "## Et aldersvennlig samfunn",
        "Stange skal være en aldersvennlig kommune. Vi vil ta i bruk metoden for aldersvenlige lokalsamfunn i "
        "planarbeidet, sikre benker og toaletter langs gangveiene i Ottestad og Stangebyen, og invitere eldre med i "
        "utformingen av nye boligområder. Universell utforming og trygge møteplasser er like viktig som tjenestene.",
        "## Aktivitet og fellesskap",
        "Ensomhet er en av de største truslene mot god helse i alderdommen. Sammen med frivilligsentralen vil vi "
        "utvide tilbudet om turgrupper, seniortrim og generasjonsmøter mellom skole og sykehjem. Dagaktivitetstilbudet "
        "for hjemmeboende med demens økes fra to til fire dager i uka.",
        "## Mat og måltider",
        "Måltidene skal være gode øyeblikk i hverdagen. Hjemmetjenesten kartlegger ernæringsstatus hos alle nye "
        "brukere, og vi prøver ut felles middag på Tangen omsorgssenter to dager i uka for hjemmeboende eldre.",
        "## Helsehjelp",
        "Kommunen vil styrke hverdagsrehabilitering og bruke velferdsteknologi som digitalt tilsyn og "
        "medisindispensere, slik at flere kan bo trygt hjemme. Fagkompetansen i helse- og omsorgs-\n"
        "tjenestene skal økes gjennom en egen kompetanseplan.",
        "## Sammenheng i tjenestene",
        "Overgangene mellom sykehus, korttidsopphold og hjemmet er sårbare. Hver bruker skal ha en fast "
        "kontaktperson, og pårørende skal få et eget pårørendeprogram med samtalegrupper.",
        "## Økonomiske konsekvenser",
        "Tiltakene i 2020 dekkes innenfor rammen til helse og omsorg og av statlige tilskudd knyttet til reformen. "
        "Tiltak for 2021–2023 innarbeides i handlings- og økonomiplanen.",
    ],
    saksbehandler="Kari Nordby",
)

STANGE_LHL_VEDLEGG = DemoDoc(
    "stange-lhl-vedlegg",
    "Innspill fra eldrerådet til Leve hele livet-planen",
    "vedlegg",
    "2020-01-20",
    [
        "## Innspill fra eldrerådet",
        "Eldrerådet støtter at Leve hele livet-planen er laget som en plan for hele kommunen og ikke bare for "
        "omsorgstjenestene. Vi ber om at aldersvennlig stedsutvikling blir et fast tema i all arealplanlegging.",
        "Rådet ønsker flere sosiale møteplasser, og at tilbudet om felles måltider også gjelder i helgene.",
    ],
)

STANGE_REG_SF = DemoDoc(
    "stange-reg-sf",
    "Detaljregulering for Ottestad næringspark",
    "saksframlegg",
    "2020-02-04",
    ["## Saksframlegg", "Planforslaget legger til rette for lager og lett industri på 40 dekar ved Ottestad."],
)

STANGE_BUDGET_SF = DemoDoc(
    "stange-budsjett-sf",
    "Budsjett 2021 og handlings- og økonomiplan 2021-2024 for helse og omsorg",
    "saksframlegg",
    "2020-11-10",
    [
        "## Saksframlegg",
        "Rammen for helse og omsorg økes med 6,4 millioner kroner, hovedsakelig til hjemmetjenesten og "
        "institusjonsplasser for personer med demens.",
        "Kommunedirektøren foreslår å videreføre stillingen som koordinator for tiltakene i reformen. Arbeidet med "
        "omstilling av tjenestene og økt bruk av velferdsteknologi fortsetter i hele planperioden.",
        "Investeringsbudsjettet omfatter nye omsorgsboliger på Tangen og oppgradering av kjøkkenet ved Stange "
        "helsetun.",
    ],
)

STANGE_PROTOCOL_ELDRE = DemoDoc(
    "stange-eldrerad-mp",
    "Møteprotokoll Eldrerådet 11.02.2020",
    "moteprotokoll",
    "2020-02-11",
    [
        "## Møteprotokoll",
        "Utvalg: Eldrerådet. Møtested: Stange rådhus. Dato: 11.02.2020.",
        "## PS 3/20 Leve hele livet - handlingsplan for et aldersvennlig Stange 2020-2023",
        "Eldrerådets uttalelse: Eldrerådet slutter seg til handlingsplanen for Leve hele livet og ber om at rådet "
        "får en fast plass i styringsgruppen for reformarbeidet.",
        "## PS 4/20 Detaljregulering for Ottestad næringspark",
        "Eldrerådet tok saken til orientering.",
    ],
)

STANGE_PROTOCOL_KS = DemoDoc(
    "stange-ks-mp",
    "Møteprotokoll Kommunestyret 26.02.2020",
    "moteprotokoll",
    "2020-02-26",
    [
        "## Møteprotokoll",
        "Utvalg: Kommunestyret. Dato: 26.02.2020.",
        "## PS 12/20 Leve hele livet - handlingsplan for et aldersvennlig Stange 2020-2023",
        "Vedtak: Kommunestyret vedtar handlingsplanen for Leve hele livet 2020–2023. Eldrerådet skal være "
        "representert i styringsgruppen. Vedtaket var enstemmig.",
    ],
)

STANGE_MEETINGS = [
    DemoMeeting(
        "Eldrerådet",
        "2020-02-11",
        [
            DemoItem(
                "Leve hele livet - handlingsplan for et aldersvennlig Stange 2020-2023",
                "19/02144",
                [STANGE_LHL_SF, STANGE_LHL_VEDLEGG],
            ),
            DemoItem("Detaljregulering for Ottestad næringspark", "19/03310", [STANGE_REG_SF]),
        ],
        STANGE_PROTOCOL_ELDRE,
    ),
    DemoMeeting(
        "Kommunestyret",
        "2020-02-26",
        [
            DemoItem(
                "Leve hele livet - handlingsplan for et aldersvennlig Stange 2020-2023",
                "19/02144",
                [STANGE_LHL_SF, STANGE_LHL_VEDLEGG],
            ),
        ],
        STANGE_PROTOCOL_KS,
    ),
    DemoMeeting(
        "Kommunestyret",
        "2020-12-09",
        [
            DemoItem(
                "Budsjett 2021 og handlings- og økonomiplan 2021-2024 for helse og omsorg",
                "20/01877",
                [STANGE_BUDGET_SF],
            ),
            DemoItem("Valg av meddommere til tingretten", "20/02001", []),
        ],
    ),
]


# ---------------------------------------------------------------------- Grue (ACOS classic)

GRUE_SF = DemoDoc(
    "grue-lhl-sf",
    "Leve hele livet - status for arbeidet i Grue kommune",
    "saksframlegg",
    "2021-03-02",
    [
        "## Saksframlegg",
        "Saksbehandler: Ola Brenden. Arkivsak: 21/00412.",
        "## Sammendrag",
        "Grue kommune vedtok i 2019 å følge opp Leve hele livet gjennom en egen plan. Denne saken gir status etter "
        "to år. Koronapandemien har forsinket flere tiltak, særlig de som handler om aktivitet og fellesskap.",
        "## Status",
        "Grue har startet arbeidet med å bli et aldersvennlig samfunn: Eldrerådet har gått befaring i Kirkenær "
        "sentrum, og det er satt opp nye benker og bedre belysning. Frivilligsentralen har etablert matombringing "
        "med sosialt besøk for hjemmeboende over 80 år.",
        "Innen helsehjelp er det ansatt en demenskoordinator, og hjemmetjenesten har tatt i bruk digitalt tilsyn. "
        "Ventetiden på korttidsplass er redusert.",
        "## Vurdering",
        "Reformen handler om hvordan hele lokalsamfunnet tar vare på de eldre, ikke bare om tjenestene. "
        "Kommunedirektøren anbefaler derfor at planen rulleres som en del av samfunnsdelen av kommuneplanen.",
    ],
    saksbehandler="Ola Brenden",
)

GRUE_SOLUTIONS = DemoDoc(
    "grue-eldrerad-sf",
    "Eldrerådets årsmelding 2020",
    "saksframlegg",
    "2021-03-02",
    [
        "## Saksframlegg",
        "Eldrerådet hadde seks møter i 2020 og behandlet 31 saker, blant annet budsjett, kommuneplanens samfunnsdel "
        "og trafikksikkerhet. Rådet har i år særlig vært opptatt av besøksrutiner på sykehjemmet under pandemien.",
    ],
)

GRUE_PROTOCOL = DemoDoc(
    "grue-hov-mp",
    "Møteprotokoll Hovedutvalg for helse og omsorg 02.03.2021",
    "moteprotokoll",
    "2021-03-02",
    [
        "## Møteprotokoll",
        "Utvalg: Hovedutvalg for helse og omsorg. Dato: 02.03.2021.",
        "## PS 5/21 Leve hele livet - status for arbeidet i Grue kommune",
        "Vedtak: Hovedutvalget tar statusrapporten for Leve hele livet til orientering og ber om at planen rulleres i "
        "samfunnsdelen.",
        "## PS 6/21 Eldrerådets årsmelding 2020",
        "Vedtak: Årsmeldingen tas til orientering.",
    ],
)

GRUE_MEETINGS = [
    DemoMeeting(
        "Hovedutvalg for helse og omsorg",
        "2021-03-02",
        [
            DemoItem("Leve hele livet - status for arbeidet i Grue kommune", "21/00412", [GRUE_SF]),
            DemoItem("Eldrerådets årsmelding 2020", "21/00398", [GRUE_SOLUTIONS]),
            DemoItem("Trafikksikkerhetsplan for Grue 2021-2024", "20/01150", []),
        ],
        GRUE_PROTOCOL,
    ),
    DemoMeeting(
        "Formannskapet",
        "2021-04-13",
        [
            DemoItem("Salg av kommunal tomt på Kirkenær", "21/00501", []),
        ],
    ),
]


# ---------------------------------------------------------------------- Søndre Land (ACOS Innsyn Pluss)

SONDRE_LAND_SF = DemoDoc(
    "sondre-land-lhl-sf",
    "Leve heile livet - plan for eldre i Søndre Land 2022-2026",
    "saksframlegg",
    "2022-05-17",
    [
        "## Saksframlegg",
        "Saksbehandlar: Ingrid Hov. Arkivsak: 22/00877.",
        "## Bakgrunn",
        "Leve heile livet er kvalitetsreforma for eldre. Søndre Land skal vere ein god stad å bli gammal, og planen "
        "skal gjelde for heile kommunen: bustadbygging, kollektivtilbod, kultur og frivillig arbeid, i tillegg til "
        "helse- og omsorgstenestene.",
        "## Tiltak",
        "Kommunen vil opprette ein eigen møteplass for eldre på Hov, med felles måltid kvar veke og tilbod om "
        "trening. Heimetenesta skal innføre kvardagsrehabilitering for alle nye brukarar.",
        "Tenestene skal henge betre saman: kvar brukar får ein primærkontakt, og pårørande får tilbod om "
        "samtalegrupper.",
    ],
    saksbehandler="Ingrid Hov",
)

SONDRE_LAND_PROTOCOL = DemoDoc(
    "sondre-land-ks-sp",
    "Særutskrift Kommunestyret 02.06.2022 sak 34/22",
    "saksprotokoll",
    "2022-06-02",
    [
        "## Særutskrift",
        "Kommunestyret 02.06.2022, sak 34/22: Leve heile livet - plan for eldre i Søndre Land 2022-2026.",
        "Vedtak: Kommunestyret vedtek planen. Tiltaka vert innarbeidde i handlings- og økonomiplanen.",
    ],
)


# ---------------------------------------------------------------------- Sør-Odal (OpenGov 360)

SOR_ODAL_SF = DemoDoc(
    "sor-odal-helse-sf",
    "Helse- og omsorgsplan 2019-2030 - sluttbehandling",
    "saksframlegg",
    "2019-11-05",
    [
        "## Saksframlegg",
        "Helse- og omsorgsplanen er kommunens plan for tjenesteutvikling fram mot 2030. Planen bygger på "
        "kvalitetsreformen Leve hele livet og på samhandlingsreformen.",
        "Planen prioriterer hjemmebaserte tjenester, velferdsteknologi og rekruttering av sykepleiere. Tjenestene "
        "skal dimensjoneres for en dobling av antall innbyggere over 80 år.",
        "Kommunedirektøren mener reformen først og fremst krever endringer i helse- og omsorgssektoren: "
        "kompetanse, bemanning og bedre samhandling med sykehuset.",
    ],
    saksbehandler="Per Haugen",
)

SOR_ODAL_VEDTAK = DemoDoc(
    "sor-odal-helse-vedtak",
    "Saksprotokoll Kommunestyret 21.11.2019 sak 88/19",
    "saksprotokoll",
    "2019-11-21",
    [
        "## Saksprotokoll",
        "Vedtak: Helse- og omsorgsplan 2019–2030 vedtas. Rådmannen bes rapportere årlig på oppfølgingen av Leve hele "
        "livet.",
    ],
)


# ---------------------------------------------------------------------- Trysil (Framsikt)

TRYSIL_FRAMSIKT_SECTIONS = [
    ("h1", "Handlings- og økonomiplan 2023-2026", None),
    ("h2", "Kommunedirektørens innledning", "framsikt-innledning"),
    ("h2", "Helse og omsorg", "framsikt-helse"),
    ("h3", "Leve hele livet", "framsikt-lhl"),
]
TRYSIL_FRAMSIKT_TEXTS = {
    "framsikt-innledning": "<p>Trysil står foran en krevende periode med færre yrkesaktive og flere eldre. "
    "Økonomiplanen prioriterer tjenester som gjør at innbyggerne kan bo hjemme lenger.</p>",
    "framsikt-helse": "<p>Sektoren for helse og omsorg får økt ramme til hjemmetjenesten og til "
    "velferdsteknologi. Institusjonsplasser ved Trysil sjukeheim samles på færre avdelinger.</p>",
    "framsikt-lhl": "<p>Arbeidet med Leve hele livet videreføres. I 2023 prioriteres aldersvennlig samfunn og "
    "aktivitet og fellesskap: seniorsentralen holdes åpen fem dager i uka, og frivillige tilbyr "
    "skyss til aktiviteter. Planen skal ses i sammenheng med samfunnsdelen, slik at hele "
    "kommunen, ikke bare omsorgstjenestene, tar ansvar for et godt liv i alderdommen.</p>",
}


# ---------------------------------------------------------------------- Sør-Aurdal (plans on the website)

SOR_AURDAL_STRATEGY = DemoDoc(
    "sor-aurdal-planstrategi",
    "Kommunal planstrategi 2020-2023",
    "plan",
    "2020-09-24",
    [
        "## Kommunal planstrategi 2020–2023 for Sør-Aurdal kommune",
        "Planstrategien drøfter kommunens strategiske valg og planbehov i perioden.",
        "## Planbehov",
        "Kommunen skal revidere helse- og omsorgsplanen og utarbeide en plan for Leve hele livet, som følger opp "
        "kvalitetsreformen for eldre. Den demografiske utviklingen med flere eldre er en utfordring for hele "
        "samfunnet og skal legges til grunn for samfunnsdelen, arealplanleggingen og boligpolitikken.",
    ],
)

SOR_AURDAL_HELSE = DemoDoc(
    "sor-aurdal-helseplan",
    "Helse- og omsorgsplan 2021-2030",
    "plan",
    "2021-06-17",
    [
        "## Helse- og omsorgsplan 2021–2030",
        "Planen beskriver tjenestetilbudet i hjemmetjenesten, ved Sør-Aurdal helsetun og i rus- og psykisk "
        "helsearbeid. Mat og måltider skal være en del av behandlingen: beboerne skal ha valgfrihet og kjøkkenet "
        "på helsetunet videreføres.",
        "Tiltakene følger innsatsområdene i Leve hele livet, med vekt på helsehjelp og sammenheng i tjenestene.",
    ],
)

SOR_AURDAL_OTHER = DemoDoc(
    "sor-aurdal-regulering",
    "Reguleringsplan Bagn sentrum",
    "plan",
    "2022-02-01",
    ["## Reguleringsplan Bagn sentrum", "Planen regulerer gater, parkering og næringsarealer i Bagn sentrum."],
)
