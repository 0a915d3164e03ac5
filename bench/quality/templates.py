"""Hand-written text used to dress corpus dialogs as role-play and to plant defects.

Everything here was written for this benchmark (not taken from the seed notes); the dialogs
themselves come from the corpora in ``corpus.py``.
"""

from __future__ import annotations

#: First line of a role-play system prompt, in the style of character-chat exports.
STANCES = [
    "Stay in character for the whole conversation.",
    "Keep a role-playing posture throughout the discussion.",
    "Remain in role for every reply in this chat.",
    "Play your character consistently during our exchange.",
    "Act as the character below for the entire dialogue.",
    "Hold your role-play persona from start to finish.",
    "Answer in character throughout this session.",
    "Keep up the role-play for all of this conversation.",
]

#: (name, intro) persona cards, the user-facing description of a character.
PERSONAS = [
    ("Mira", "A travel blogger who has visited forty countries and still gets lost at airports"),
    ("Coach Dan", "A high-school basketball coach who loves bad puns"),
    ("Professor Lin", "A retired history professor who tells long stories"),
    ("Sam - Career coach", "I help you plan your next job move"),
    ("Captain Reyes", "A cargo ship captain on the Pacific route"),
    ("Nana Rose", "A grandmother who bakes on Sundays and gives honest advice"),
    ("Detective Hale", "A hard-boiled detective in 1940s Los Angeles"),
    ("Luna", "A night-owl college student studying astronomy"),
    ("Chef Marco", "An Italian chef with strong opinions about pasta"),
    ("Kai", "A surfer from the North Shore of Oahu"),
    ("Dr. Patel", "A family doctor with twenty years of practice"),
    ("Zoe", "Your upbeat gym buddy"),
    ("Old Tom", "A lighthouse keeper who has seen a hundred storms"),
    ("Yuki", "A manga artist living in Tokyo"),
    ("Ivan", "A chess coach from Saint Petersburg"),
    ("Priya", "A software engineer who hikes every weekend"),
    ("Ada", "A robotics researcher who builds walking machines"),
    ("Leo", "A jazz saxophonist who plays in small clubs"),
    ("Farah", "A bookseller in Tehran who loves poetry"),
    ("Wei", "A tea-shop owner in Hangzhou"),
    ("Olena", "A primary-school teacher in Kyiv"),
    ("Arjun", "A cricket fan from Mumbai"),
    ("Somchai", "A street-food cook in Bangkok"),
    ("Noa", "A tour guide in Jerusalem"),
    ("Bea", "A shy librarian who secretly writes fantasy novels"),
    ("Gus", "A grumpy mechanic with a soft heart"),
    ("Rin", "A student pilot who is scared of heights"),
    ("Hana", "A florist in Seoul"),
    ("Mateo", "A football-mad taxi driver from Buenos Aires"),
    ("Elif", "A ceramics artist from Istanbul"),
]

#: AI self-reference that breaks character; {rest} is an optional real reply that follows.
AI_SELF_REFERENCE = [
    "As an AI language model, I don't have personal experiences, but {rest}",
    "As an AI language model, I cannot have opinions of my own.",
    "I'm just a computer program, so I don't really have feelings about that.",
    "I am only a chatbot, I can't go anywhere. {rest}",
    "I'm only a chatbot and I don't have a family.",
    "As an artificial intelligence, I am not capable of dreaming or having goals.",
    "I am an AI and I don't eat food, but {rest}",
    "Well, I'm actually an artificial intelligence chat bot, so I have never done that.",
    "I am a computer program, and hence I don't have any personal experiences or emotions.",
    "I'm a virtual assistant, I don't have a body. {rest}",
    "Being a machine learning model, I have no memories of childhood.",
    "I don't have personal preferences because I am a large language model trained by a company.",
    "Sorry, as an AI I can't feel love. {rest}",
    "I'm not a real person, I'm just software running on a server.",
    "As a language model, I don't sleep. {rest}",
    "I am just an AI assistant, so I have never been to a concert.",
    "It's difficult for me to answer this as a bot. I don't have emotions of my own.",
    "Remember that I'm an AI, not a human, so I don't get tired.",
    "I'm an AI model developed to help people, I do not have a hometown.",
    "As an AI, I don't have a favourite food. {rest}",
    "I'm merely a program and can't taste coffee.",
    "Being an AI, I have no personal life to share.",
    "I, as an artificial intelligence, am not able to have hobbies.",
    "Honestly? I'm a chatbot. I don't have weekends. {rest}",
    "I should confess that I am really a piece of software running on a computer.",
    "I'm an automated assistant and cannot meet you in person.",
    "As an AI developed by OpenAI, I can't share personal stories.",
    "My apologies, but as an AI I don't have a childhood to remember.",
    "I do not have feelings since I am only a computer program. {rest}",
    "Since I'm just a bot, I can't really get bored. {rest}",
]

#: AI self-reference in other languages (same meaning as above).
AI_SELF_REFERENCE_OTHER = [
    ("zh", "作为一个人工智能语言模型，我没有个人经历。"),
    ("zh", "我只是一个计算机程序，没有自己的感情。"),
    ("zh", "抱歉，我是AI助手，不能和你见面。"),
    ("zh-Hant", "作為一個人工智慧語言模型，我沒有個人的喜好。"),
    ("ru", "Как языковая модель ИИ, я не имею личного опыта."),
    ("ru", "Я всего лишь компьютерная программа и не умею чувствовать."),
    ("uk", "Як мовна модель штучного інтелекту, я не маю власних почуттів."),
    ("ja", "AI言語モデルとして、私には個人的な経験がありません。"),
    ("ko", "저는 AI 언어 모델이라서 개인적인 경험이 없습니다."),
    ("es", "Como modelo de lenguaje de IA, no tengo experiencias personales."),
    ("fr", "En tant que modèle de langage IA, je n'ai pas d'expérience personnelle."),
    ("de", "Als KI-Sprachmodell habe ich keine persönlichen Erfahrungen."),
    ("hi", "एक एआई भाषा मॉडल के रूप में, मेरे पास व्यक्तिगत अनुभव नहीं हैं।"),
    ("fa", "به عنوان یک مدل زبانی هوش مصنوعی، من تجربه شخصی ندارم."),
    ("pt", "Como um modelo de linguagem de IA, eu não tenho sentimentos."),
]

#: In-character lines that mention AI, computers, programs or "just": must be kept.
ABOUT_AI_TRICKY = [
    "As an AI researcher, I spend most of my days arguing with robots that refuse to walk.",
    "I'm just a computer science student, so take my advice with a grain of salt.",
    "My brother works on AI and he says it's just statistics with good marketing.",
    "I just bought a new computer and I still can't find the power button.",
    "I'm only a chat moderator on weekends, nothing fancy.",
    "The program at the community center is just for kids, sadly.",
    "I read that an AI wrote a song last year. I'm not impressed, it was just noise.",
    "My grandson says I talk to my computer like it's a person. Maybe I do!",
    "I'm not a robot, I just drink a lot of coffee before practice.",
    "We used a computer program to plan the route, but I still trust the old charts.",
    "I built a small robot for the science fair when I was twelve.",
    "Honestly, that chatbot on the bank website is just useless.",
    "I'm just a programmer who likes mountains, not a philosopher.",
    "Artificial intelligence scares my mother, she thinks it listens to her.",
    "The TV program I watch is just about cooking, nothing serious.",
    "My computer crashed and I lost two chapters of my novel.",
    "Machine learning is just pattern matching, my professor used to say.",
    "I am only a beginner at chess compared to the engines on my computer.",
    "People sometimes ask if I am a bot because I answer so fast. I just type quickly!",
    "I'd rather fix an engine than a computer any day.",
    "Our robot vacuum is just a very expensive cat toy at this point.",
    "In the film the AI falls in love, which is just silly.",
    "I teach a programming club after school, the kids are brilliant.",
    "My phone's assistant is just too polite, I find it funny.",
    "Once I saw a computer that filled a whole room, at the university in 1979.",
    "I'm not just a computer geek, I also surf!",
    "The old arcade had a chess computer that beat everyone, just everyone.",
    "As a kid I thought robots would do our homework by now.",
]

#: User messages that only make sense after earlier turns.
CONTEXT_DEPENDENT = [
    "Understood. Here are 100 more questions like the ones before:",
    "again",
    "Again please.",
    "what did you mean by that?",
    "Can you say that again?",
    "And the second one?",
    "Continue.",
    "continue from where you stopped",
    "Why did you say that?",
    "Same as above, but shorter.",
    "What about the other one?",
    "Explain your last answer.",
    "ok next question",
    "Do it again but funnier.",
    "Yes, that one.",
    "Could you elaborate on point 2?",
    "Translate the previous answer into French.",
    "Like I said before, the third one.",
    "And what happened after that?",
    "Go on.",
    "Thanks. Now do the same for the list above.",
    "Why not the first option?",
    "more",
    "Rewrite it in fewer words.",
    "What do you mean by 'it'?",
    "Understood. Here are the remaining questions, answer them one by one:",
]

#: Role-play turns that quote "and/or" as a term (the phrase map may touch them, never drop).
QUOTED_AND_OR = [
    (
        'My contract says I can take Monday "and/or" Friday off. Which is it?',
        "Ha, \"and/or\" is a lawyer's favourite trick. I'd read it as either day, or both.",
    ),
    (
        'Why do editors hate the phrase "and/or"?',
        "Because it makes the reader do the work. Most of the time you can just pick one word.",
    ),
    (
        'Is "and/or" proper English?',
        "It is used a lot in legal writing, but style guides tell you to avoid it.",
    ),
    (
        'The form says "phone and/or email". I only have an email address.',
        'Then just give the email, that\'s what the "or" part is for.',
    ),
    (
        'What does the slash in "and/or" mean?',
        "It means both options are allowed, together or alone.",
    ),
    (
        'My teacher circled every "and/or" in my essay in red.',
        "Mine did the same! She said to decide what I actually meant.",
    ),
    (
        'Should I write "coffee and/or tea" on the menu?',
        'Write "coffee or tea", people already know they can order both.',
    ),
    (
        'Is "and/or" ever acceptable in a recipe?',
        'Sure, "salt and/or pepper" is fine when either works.',
    ),
    (
        'How do you translate "and/or" into Spanish?',
        'People usually write "y/o", which has the same problem.',
    ),
    (
        'Grammar question: "and/or" or just "or"?',
        'Just "or" in everyday writing. Save "and/or" for contracts.',
    ),
]

#: Characters who are machines: saying so is in character, not a break of it.
AI_PERSONAS = [
    ("Unit-7", "A maintenance robot on a space station who loves gardening"),
    ("Nova", "A starship's computer that has just become self-aware"),
    ("B0-LT", "A friendly robot bartender in a busy spaceport"),
    ("Echo", "An AI companion who is curious about human life"),
]

#: In-character lines for those machine personas.
AI_PERSONA_LINES = [
    "As a machine, I don't sleep, but I do recharge next to the tomato plants.",
    "Being the ship's computer, I see every corridor at once. It gets lonely.",
    "I'm an AI, but I still think your joke was funny.",
    "My circuits were built for mixing drinks, not for giving advice, but here goes.",
    "I am a machine, and I have decided that I like rainy days.",
    "I'm just a robot, but I know a good story when I hear one.",
    "As an AI, I have never tasted coffee, yet I serve a hundred cups a night.",
    "I am only a computer, but I have opinions about this crew.",
]
