"""Word lists for synthetic bibliographic records.

Everything here is invented for the reconstruction: titles are assembled from
the field's vocabulary, journal names combine fictional place names with
subject words (so that none is the name of a real journal), and personal names
are drawn from common names of many languages, with diacritics, particles and
hyphens in the proportions that make deduplication realistic.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- topics
# Each topic: phenomena (noun phrases), populations, and the disciplines that
# publish on it (they decide which databases index a work).
TOPICS = {
    "ncsii": {
        "weight": 10,
        "disciplines": ("psychology", "criminology", "communication"),
        "phenomena": [
            "nonconsensual sharing of intimate images", "image-based sexual abuse",
            "nonconsensual dissemination of sexual images", "revenge pornography",
            "sharing of nudes without consent", "nonconsensual pornography",
            "forwarding of sexts without consent", "image-based sexual harassment",
            "secondary sexting", "nonconsensual sexting",
        ],
    },
    "sexting": {
        "weight": 18,
        "disciplines": ("psychology", "health", "communication", "education"),
        "phenomena": [
            "sexting", "sending sexually explicit images", "sexting behaviours", "pressured sexting",
            "consensual sexting", "sexual image exchange", "sext requests", "unwanted sexting",
            "aggravated sexting", "nude image sharing",
        ],
    },
    "dating": {
        "weight": 20,
        "disciplines": ("psychology", "health", "criminology"),
        "phenomena": [
            "cyber dating abuse", "digital dating violence", "technology-facilitated intimate partner violence",
            "online controlling behaviours in couples", "electronic intrusion in romantic relationships",
            "digital coercive control", "cyber dating violence", "technology-facilitated abuse",
        ],
    },
    "harassment": {
        "weight": 15,
        "disciplines": ("criminology", "communication", "psychology", "computing"),
        "phenomena": [
            "online sexual harassment", "sextortion", "cyberviolence against women", "deepfake pornography",
            "technology-facilitated sexual violence", "upskirting", "online gender-based violence",
            "sexual cyberbullying", "cyberflashing", "doxing of women",
        ],
    },
    "childabuse": {
        "weight": 14,
        "disciplines": ("health", "criminology", "psychology"),
        "phenomena": [
            "online child sexual exploitation", "online grooming", "self-generated sexual images of minors",
            "online sexual solicitation of minors", "child sexual abuse material offending",
            "sexual abuse facilitated by social media",
        ],
    },
    "cyberbullying": {
        "weight": 12,
        "disciplines": ("education", "psychology", "health"),
        "phenomena": [
            "cyberbullying", "online peer aggression", "cybervictimisation", "online harassment",
            "electronic aggression", "cyberbullying perpetration",
        ],
    },
    "other": {
        "weight": 11,
        "disciplines": ("health", "computing", "communication", "education"),
        "phenomena": [
            "online sexual health information", "digital intimacy", "dating app use",
            "online pornography exposure", "problematic social media use", "content moderation of sexual images",
            "digital privacy practices", "online sexual risk behaviour",
        ],
    },
}

POPULATIONS = [
    "adolescents", "young adults", "university students", "secondary school students", "emerging adults",
    "college women", "adult men", "early adolescents", "sexual minority youth", "adults in relationships",
    "young people", "undergraduates", "high school students", "a community sample of adults",
    "male university students", "female adolescents", "LGBTQ+ young adults", "middle school students",
]

COUNTRIES = [
    "Spain", "Italy", "the United States", "Belgium", "Canada", "Australia", "Portugal", "Brazil", "England",
    "Greece", "the Netherlands", "Switzerland", "Norway", "Sweden", "Denmark", "Chile", "Mexico", "Germany",
    "Poland", "South Korea", "Israel", "Turkey", "Nigeria", "South Africa", "New Zealand", "Ireland",
    "Croatia", "Finland", "Colombia", "India",
]

CORRELATES = [
    "personality traits", "the Dark Tetrad", "moral disengagement", "sexism", "rape myth acceptance",
    "peer norms", "impulsivity", "self-esteem", "depressive symptoms", "attachment insecurity",
    "alcohol use", "pornography use", "empathy", "gender role attitudes", "parental monitoring",
    "previous victimisation", "jealousy", "social media use", "sensation seeking", "narcissism",
    "psychological distress", "school climate", "problematic internet use", "hostile masculinity",
]

DESIGNS = [
    "a cross-sectional study", "a longitudinal study", "a systematic review", "a meta-analysis",
    "a qualitative study", "evidence from a national survey", "a mixed-methods study", "a scoping review",
    "a two-wave panel study", "findings from a multi-country survey", "a latent profile analysis",
    "a network analysis", "a thematic analysis of online forums", "a validation study",
    "an experimental vignette study", "a digital ethnography", "results of a randomised trial",
]

LEAD_INS = [
    "Sharing without consent", "Beyond revenge", "Not just a joke", "Screens and boundaries",
    "Trading images, trading status", "When private becomes public", "Boys will be boys?",
    "Blurred lines online", "From trust to betrayal", "Pictures that travel", "Behind the screen",
    "Consent in the digital age", "It was just for fun", "Likes, shares and harm", "Unseen harms",
    "Power and pixels", "Lost control", "The other side of sexting", "Silent spectators",
]

MEASURES = [
    "a new scale", "the Cyber Dating Abuse Questionnaire", "a brief screening instrument",
    "a short form of an attitudes scale", "a bystander intention measure", "a sexting behaviour scale",
]

# --------------------------------------------------------------------------- journals
# Fictional name stems (place-like words), combined with subject words.
JOURNAL_STEMS = [
    "Northfield", "Caldera", "Meridian", "Halvard", "Larkspur", "Ostrava Vale", "Brightwater",
    "Kestrel", "Marlowe", "Thornbury", "Vireo", "Calloway", "Elmstead", "Glenrock", "Harrowgate",
    "Islington Vale", "Juniper", "Kingsmere", "Lowland", "Moorcroft", "Norland", "Oakhaven",
    "Pembrook", "Quillon", "Redcliff", "Saltmarsh", "Tamsworth", "Umberfield", "Valemont", "Westerby",
]

JOURNAL_SUBJECTS = {
    "psychology": [("Journal of", "Youth and Digital Behaviour"), ("Review of", "Interpersonal Aggression"),
                   ("Journal of", "Sexual Behaviour Research"), ("Studies in", "Adolescent Development"),
                   ("Journal of", "Personality and Social Conduct"), ("", "Psychology of Relationships")],
    "health": [("Journal of", "Adolescent Wellbeing"), ("Archives of", "Sexual and Reproductive Health"),
               ("", "Public Health and Society"), ("Journal of", "Violence Prevention"),
               ("Annals of", "Child and Family Health")],
    "criminology": [("Journal of", "Cybercrime Studies"), ("", "Criminology and Digital Justice"),
                    ("Review of", "Gender and Violence"), ("Journal of", "Victimology and Harm")],
    "education": [("Journal of", "School Climate and Safety"), ("", "Educational Media Research"),
                  ("Studies in", "Sexuality Education")],
    "communication": [("Journal of", "Networked Intimacy"), ("", "Media, Gender and Culture"),
                      ("Review of", "Platform Studies"), ("Journal of", "Online Communication")],
    "computing": [("", "Computing and Social Harm"), ("Journal of", "Human Factors in Security"),
                  ("Transactions on", "Online Safety Engineering")],
}

#: ISO 4-style abbreviations of the words used in journal titles.
ABBREVIATIONS = {
    "Journal": "J", "Review": "Rev", "Studies": "Stud", "Archives": "Arch", "Annals": "Ann",
    "Transactions": "Trans", "Youth": "Youth", "Digital": "Digit", "Behaviour": "Behav",
    "Interpersonal": "Interpers", "Aggression": "Aggress", "Sexual": "Sex", "Research": "Res",
    "Adolescent": "Adolesc", "Development": "Dev", "Personality": "Pers", "Social": "Soc",
    "Conduct": "Conduct", "Psychology": "Psychol", "Relationships": "Relatsh", "Wellbeing": "Wellbeing",
    "Reproductive": "Reprod", "Health": "Health", "Public": "Public", "Society": "Soc",
    "Violence": "Violence", "Prevention": "Prev", "Child": "Child", "Family": "Fam",
    "Cybercrime": "Cybercrime", "Criminology": "Criminol", "Justice": "Justice", "Gender": "Gend",
    "Victimology": "Victimol", "Harm": "Harm", "School": "Sch", "Climate": "Clim", "Safety": "Saf",
    "Educational": "Educ", "Media": "Media", "Sexuality": "Sex", "Education": "Educ",
    "Networked": "Netw", "Intimacy": "Intim", "Culture": "Cult", "Platform": "Platf",
    "Online": "Online", "Communication": "Commun", "Computing": "Comput", "Human": "Hum",
    "Factors": "Factors", "Security": "Secur", "Engineering": "Eng",
}

# --------------------------------------------------------------------------- names
SURNAMES = [
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Martin", "Thompson", "White", "Harris", "Clarke",
    "García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Fernández", "Ruiz", "Jiménez", "Núñez",
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "Schäfer", "Koch",
    "Silva", "Santos", "Oliveira", "Sousa", "Pereira", "Costa", "Rodrigues", "Ferreira", "Gonçalves", "Lima",
    "Janssens", "Peeters", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "Dubois",
    "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "van den Berg", "Dekker",
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Søndergaard",
    "Nielsen", "Jensen", "Sørensen", "Lindqvist", "Karlsson", "Eriksson", "Lundgren", "Holm", "Åkesson",
    "Papadopoulos", "Nikolaou", "Georgiou", "Dimitriou", "Kowalski", "Nowak", "Wiśniewski", "Łukasik",
    "Kim", "Lee", "Park", "Choi", "Chen", "Wang", "Li", "Zhang", "Liu", "Yang", "Nguyen", "Tran",
    "O'Connor", "O'Brien", "Murphy", "Kelly", "Byrne", "Walsh", "McCarthy", "MacDonald", "Campbell",
    "Cohen", "Levi", "Mizrahi", "Yilmaz", "Kaya", "Demir", "Okafor", "Adeyemi", "Mensah", "Naidoo",
    "García-López", "Sánchez-Martín", "Pérez-Ramos", "Ortega-Ruiz", "Rodríguez-Díaz", "Moreno-López",
    "Dupont", "Lefèvre", "Moreau", "Fontaine", "Girard", "Bonnet", "Mercier", "Lambert", "Faure", "Rousseau",
    "Horvat", "Kovačević", "Babić", "Novak", "Virtanen", "Mäkinen", "Korhonen", "Hämäläinen", "Patel",
    "Sharma", "Singh", "Gupta", "Reyes", "Castillo", "Vargas", "Herrera", "Medina", "Aguilar", "Rojas",
    "Van Ouytsel", "De Ridder", "Vandenbosch", "Van Gool", "Del Rey", "De la Fuente", "Dalla Costa",
]

GIVEN = {
    "f": ["Anna", "Maria", "Laura", "Sara", "Elena", "Julia", "Emma", "Sofia", "Lucía", "Chiara", "Inês",
          "Ingrid", "Hanna", "Eleni", "Agnieszka", "Ji-woo", "Mei", "Aoife", "Noa", "Ayşe", "Chioma",
          "Claire", "Zoë", "Mette", "Saara", "Priya", "Camila", "Lotte", "Amélie", "Carmen", "Rebecca",
          "Jessica", "Nicole", "Francesca", "Beatriz", "Katarzyna", "Ellen", "Rachel", "Stine", "Ida"],
    "m": ["John", "David", "Michael", "Daniel", "Pablo", "Javier", "Marco", "Luca", "Tomás", "Jonas",
          "Lars", "Nikos", "Piotr", "Min-jun", "Wei", "Liam", "Yosef", "Emre", "Chinedu", "Pierre",
          "Mikko", "Arjun", "Mateo", "Joris", "Sébastien", "Matthew", "Andrew", "James", "Thomas",
          "Rafael", "Stefan", "Erik", "Ole", "Simon", "Kevin", "Joseph", "Jörg", "André", "Björn", "Ivan"],
}
MIDDLE_INITIALS = "ABCDEFGHJKLMNPRSTVW"

# --------------------------------------------------------------------------- abstracts
ABSTRACT_AIMS = [
    "This study examined {p} among {pop} in {c}.",
    "We investigated how {k} relates to {p} in a sample of {pop}.",
    "The aim of this {d0} was to describe {p} among {pop}.",
    "Little is known about the correlates of {p}; this study addressed that gap among {pop} in {c}.",
    "This article explores the experiences of {pop} with {p}.",
]
ABSTRACT_METHODS = [
    "A total of {n} participants aged {a1} to {a2} years completed an online survey.",
    "Data came from {n} respondents recruited through schools and social media.",
    "We analysed responses from {n} participants using logistic regression models.",
    "Semi-structured interviews were conducted with {nq} participants and analysed thematically.",
    "We searched six databases and screened {n} records against predefined criteria.",
    "Posts from {nq} discussion threads were collected and coded inductively.",
]
ABSTRACT_RESULTS = [
    "{P} was associated with {k}, but not with age.",
    "Around {pct}% of participants reported {p} in the past year.",
    "Gender differences were small once {k} was controlled for.",
    "Three themes described how participants justified {p}.",
    "Findings were mixed across studies and measures.",
    "{K} predicted {p} over and above demographic variables.",
]
ABSTRACT_CONCLUSIONS = [
    "Prevention programmes should address {k}.",
    "The findings call for consistent definitions and measures of {p}.",
    "Implications for schools, platforms and policy are discussed.",
    "Future research should use longitudinal designs.",
    "Interventions may benefit from a focus on social norms.",
]

KEYWORD_POOL = [
    "sexting", "image-based sexual abuse", "revenge porn", "adolescents", "cyberbullying", "consent",
    "dating violence", "technology-facilitated abuse", "gender", "social media", "victimisation",
    "perpetration", "young adults", "online harassment", "prevention", "personality", "peer norms",
    "sextortion", "privacy", "masculinity", "pornography", "mental health", "moral disengagement",
]

#: Words a database's title-casing leaves in lower case.
SMALL_WORDS = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "with", "by", "from",
               "among", "as", "vs", "via", "into", "over", "through", "without", "not", "but"}

# Titles of works published in another language (the databases show an English title,
# PubMed in brackets; PubPsych the original).
TRANSLATED_TITLES = {
    "Spanish": (["La difusión no consentida de imágenes íntimas", "El sexting", "La ciberviolencia en la pareja",
                 "El acoso sexual en línea", "La sextorsión"],
                ["en adolescentes españoles", "en jóvenes universitarios", "y sus correlatos psicológicos",
                 "un estudio transversal", "una revisión sistemática"]),
    "Italian": (["La diffusione non consensuale di immagini intime", "Il sexting", "La violenza digitale di coppia",
                 "Le molestie sessuali online"],
                ["negli adolescenti italiani", "tra gli studenti universitari", "uno studio trasversale",
                 "fattori di rischio e protezione"]),
    "Portuguese": (["A partilha não consentida de imagens íntimas", "O sexting", "A violência no namoro online",
                    "O assédio sexual online"],
                   ["em adolescentes portugueses", "entre jovens adultos", "um estudo exploratório",
                    "revisão sistemática da literatura"]),
}
