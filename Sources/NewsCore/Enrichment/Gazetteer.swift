/// Word lists behind `EntityExtractor` (docs/ENRICHMENT.md). Written for this project; names
/// are in the form news copy uses them.
enum Gazetteer {
    static let places: Set<String> = [
        // Countries and territories.
        "Afghanistan", "Albania", "Algeria", "Andorra", "Angola", "Argentina", "Armenia", "Australia", "Austria",
        "Azerbaijan", "Bahamas", "Bahrain", "Bangladesh", "Barbados", "Belarus", "Belgium", "Belize", "Benin",
        "Bhutan", "Bolivia", "Bosnia", "Botswana", "Brazil", "Brunei", "Bulgaria", "Burkina Faso", "Burma", "Burundi",
        "Cambodia", "Cameroon", "Canada", "Chad", "Chile", "China", "Colombia", "Congo", "Costa Rica", "Croatia",
        "Cuba", "Cyprus", "Czech Republic", "Denmark", "Djibouti", "Dominican Republic", "Ecuador", "Egypt",
        "El Salvador", "Eritrea", "Estonia", "Ethiopia", "Fiji", "Finland", "France", "Gabon", "Gambia", "Georgia",
        "Germany", "Ghana", "Greece", "Grenada", "Guatemala", "Guinea", "Guyana", "Haiti", "Honduras", "Hungary",
        "Iceland", "India", "Indonesia", "Iran", "Iraq", "Ireland", "Israel", "Italy", "Ivory Coast", "Jamaica",
        "Japan", "Jordan", "Kazakhstan", "Kenya", "Kosovo", "Kuwait", "Kyrgyzstan", "Laos", "Latvia", "Lebanon",
        "Lesotho", "Liberia", "Libya", "Liechtenstein", "Lithuania", "Luxembourg", "Macedonia", "Madagascar",
        "Malawi", "Malaysia", "Maldives", "Mali", "Malta", "Mauritania", "Mauritius", "Mexico", "Moldova", "Monaco",
        "Mongolia", "Montenegro", "Morocco", "Mozambique", "Myanmar", "Namibia", "Nepal", "Netherlands", "Holland",
        "New Zealand", "Nicaragua", "Niger", "Nigeria", "North Korea", "Norway", "Oman", "Pakistan", "Palestine",
        "Panama", "Papua New Guinea", "Paraguay", "Peru", "Philippines", "Poland", "Portugal", "Qatar", "Romania",
        "Russia", "Rwanda", "Saudi Arabia", "Senegal", "Serbia", "Sierra Leone", "Singapore", "Slovakia", "Slovenia",
        "Somalia", "South Africa", "South Korea", "South Sudan", "Spain", "Sri Lanka", "Sudan", "Suriname", "Sweden",
        "Switzerland", "Syria", "Taiwan", "Tajikistan", "Tanzania", "Thailand", "Tibet", "Togo", "Trinidad", "Tunisia",
        "Turkey", "Turkmenistan", "Uganda", "Ukraine", "United Arab Emirates", "UAE", "United Kingdom", "UK", "Britain",
        "Great Britain", "United States", "US", "USA", "America", "Uruguay", "Uzbekistan", "Venezuela", "Vietnam",
        "Yemen", "Zambia", "Zimbabwe", "Korea", "Gaza", "West Bank", "Hong Kong", "Macau", "Greenland", "Puerto Rico",
        "Chechnya", "Crimea", "Kashmir", "Darfur", "Catalonia", "Flanders", "Bavaria", "Siberia",
        // Nations, regions and continents.
        "England", "Scotland", "Wales", "Northern Ireland", "Europe", "Asia", "Africa", "Antarctica",
        "North America", "South America", "Latin America", "Middle East", "Caribbean", "Balkans", "Scandinavia",
        "Arctic", "Pacific", "Atlantic", "Mediterranean", "Gulf", "Persian Gulf", "Baltic", "Caucasus", "Sahara",
        "Silicon Valley", "Wall Street", "Westminster", "Whitehall", "Yorkshire", "Lancashire",
        "Kent", "Essex", "Surrey", "Sussex", "Devon", "Cornwall", "Cumbria", "Merseyside", "Midlands",
        "California", "Texas", "Florida", "New York", "New Jersey", "Ohio", "Michigan", "Illinois", "Pennsylvania",
        "Virginia", "Massachusetts", "Washington", "Oregon", "Nevada", "Arizona", "Colorado", "Georgia", "Alaska",
        "Hawaii", "Louisiana", "Tennessee", "Kentucky", "Missouri", "Minnesota", "Wisconsin", "Iowa", "Utah",
        "Ontario", "Quebec", "British Columbia", "Alberta", "Queensland", "Victoria", "Tasmania", "Punjab",
        "Bengal", "Kerala", "Kurdistan", "Anatolia", "Patagonia", "Normandy", "Brittany", "Provence", "Tuscany",
        "Sicily", "Sardinia", "Corsica", "Andalusia", "Galicia", "Saxony", "Kyiv", "Kiev",
        // Cities.
        "London", "Paris", "Berlin", "Madrid", "Rome", "Moscow", "St Petersburg", "Beijing", "Shanghai", "Tokyo",
        "Delhi", "New Delhi", "Mumbai", "Bombay", "Calcutta", "Kolkata", "Chennai", "Bangalore", "Karachi", "Lahore",
        "Islamabad", "Kabul", "Tehran", "Baghdad", "Basra", "Falluja", "Fallujah", "Mosul", "Damascus", "Aleppo",
        "Beirut", "Jerusalem", "Tel Aviv", "Amman", "Cairo", "Alexandria", "Riyadh", "Mecca", "Dubai", "Abu Dhabi",
        "Doha", "Istanbul", "Ankara", "Athens", "Vienna", "Prague", "Budapest", "Warsaw", "Krakow", "Bucharest",
        "Sofia", "Belgrade", "Zagreb", "Sarajevo", "Brussels", "Amsterdam", "Rotterdam", "The Hague", "Hague",
        "Luxembourg", "Geneva", "Zurich", "Bern", "Milan", "Turin", "Naples", "Florence", "Venice", "Barcelona",
        "Valencia", "Seville", "Lisbon", "Porto", "Dublin", "Belfast", "Edinburgh", "Glasgow", "Aberdeen", "Dundee",
        "Cardiff", "Swansea", "Manchester", "Liverpool", "Birmingham", "Leeds", "Sheffield", "Bristol", "Newcastle",
        "Nottingham", "Leicester", "Coventry", "Southampton", "Portsmouth", "Brighton", "Oxford", "Cambridge",
        "Bath", "York", "Hull", "Norwich", "Plymouth", "Wembley", "Wimbledon", "Stockholm", "Oslo", "Copenhagen",
        "Helsinki", "Reykjavik", "Tallinn", "Riga", "Vilnius", "Minsk", "Tbilisi", "Baku", "Yerevan", "Grozny",
        "Hamburg", "Munich", "Frankfurt", "Cologne", "Stuttgart", "Dresden", "Leipzig", "Lyon", "Marseille", "Nice",
        "Toulouse", "Bordeaux", "Strasbourg", "Monte Carlo", "New York City", "Los Angeles", "San Francisco",
        "Chicago", "Boston", "Houston", "Dallas", "Miami", "Atlanta", "Seattle", "Detroit", "Philadelphia",
        "Las Vegas", "Hollywood", "Manhattan", "Brooklyn", "New Orleans", "Baltimore", "Denver", "Phoenix",
        "San Diego", "Toronto", "Montreal", "Vancouver", "Ottawa", "Mexico City", "Havana", "Caracas", "Bogota",
        "Lima", "Santiago", "Buenos Aires", "Sao Paulo", "Rio de Janeiro", "Brasilia", "Sydney", "Melbourne",
        "Brisbane", "Perth", "Adelaide", "Canberra", "Auckland", "Wellington", "Christchurch", "Johannesburg",
        "Cape Town", "Pretoria", "Durban", "Nairobi", "Lagos", "Abuja", "Accra", "Addis Ababa", "Khartoum",
        "Kampala", "Harare", "Kinshasa", "Dakar", "Tripoli", "Tunis", "Algiers", "Casablanca", "Seoul", "Pyongyang",
        "Taipei", "Bangkok", "Hanoi", "Ho Chi Minh City", "Manila", "Jakarta", "Bali", "Kuala Lumpur", "Dhaka",
        "Colombo", "Kathmandu", "Tashkent", "Almaty", "Astana", "Vladivostok", "Novosibirsk", "Kaliningrad",
        "Sochi", "Kazan", "Odessa", "Kharkiv", "Donetsk", "Salisbury", "Davos", "Strasbourg", "Kyoto", "Osaka",
        "Hiroshima", "Shenzhen", "Guangzhou", "Wuhan", "Chongqing", "Tianjin", "Lhasa", "Ramallah", "Hebron",
        "Haifa", "Nazareth", "Bethlehem", "Benghazi", "Sanaa", "Aden", "Muscat", "Kandahar", "Helmand", "Herat",
        "Peshawar", "Srinagar", "Mogadishu", "Kigali", "Lusaka", "Luanda", "Maputo", "Windhoek", "Gaborone",
        "Athens", "Thessaloniki", "Nicosia", "Valletta", "Monaco", "Gibraltar", "Jersey", "Guernsey",
    ]

    static let organizations: Set<String> = [
        // Governments, agencies, international bodies.
        "Kremlin", "White House", "Pentagon", "State Department", "Congress", "Senate", "House of Representatives",
        "Supreme Court", "FBI", "CIA", "NSA", "FSB", "KGB", "MI5", "MI6", "GCHQ", "NHS", "BBC", "ITV", "CNN", "Fox News",
        "Channel 4", "Sky", "Sky News", "Reuters", "Associated Press", "AP", "AFP", "Tass", "Interfax", "RIA Novosti",
        "Xinhua", "Bloomberg", "Al Jazeera", "Nato", "NATO", "UN", "United Nations", "Security Council", "EU",
        "European Union", "European Commission", "European Parliament", "Council of Europe", "IMF", "World Bank",
        "WTO", "World Trade Organisation", "World Trade Organization", "WHO", "World Health Organization", "Unicef",
        "UNICEF", "Unesco", "UNESCO", "Opec", "OPEC", "OECD", "G7", "G8", "G20", "Red Cross", "Interpol", "Europol",
        "Amnesty International", "Human Rights Watch", "Greenpeace", "Oxfam", "Islamic State", "IS", "Isis", "ISIS",
        "Isil", "ISIL", "al-Qaeda", "Al-Qaeda", "al Qaeda", "Taliban", "Hamas", "Hezbollah", "IRA", "Sinn Fein",
        "Home Office", "Foreign Office", "Treasury", "Ministry of Defence", "Bank of England", "Federal Reserve",
        "Fed", "European Central Bank", "ECB", "Parliament", "House of Commons", "House of Lords", "Commons",
        "Lords", "Labour", "Conservatives", "Conservative Party", "Tories", "Tory", "Liberal Democrats", "Lib Dems",
        "UKIP", "Ukip", "SNP", "Plaid Cymru", "Democrats", "Republicans", "Democratic Party", "Republican Party",
        "Labour Party", "Downing Street", "Ofcom", "Ofgem", "Ofwat", "Ofsted", "FSA", "SEC", "OFT", "CBI", "TUC",
        "FA", "Fifa", "FIFA", "Uefa", "UEFA", "IOC", "RFU", "ICC", "IAAF", "ATP", "WTA", "Premiership",
        "Premier League", "Nasa", "NASA", "Esa", "Kremlin",
        // Companies.
        "Google", "Microsoft", "Apple", "Amazon", "IBM", "Intel", "AMD", "Sony", "Nintendo", "Sega", "Samsung",
        "Nokia", "Motorola", "Vodafone", "BT", "Orange", "O2", "Yahoo", "eBay", "AOL", "Time Warner", "Disney",
        "Warner Bros", "Universal", "Paramount", "MGM", "Pixar", "DreamWorks", "EMI", "Sony BMG", "Virgin", "Oracle",
        "SAP", "HP", "Hewlett-Packard", "Dell", "Cisco", "Siemens", "Philips", "Toshiba", "Hitachi", "Panasonic",
        "Fujitsu", "Lenovo", "Huawei", "Facebook", "Twitter", "Netflix", "Tesla", "Boeing", "Airbus", "EADS",
        "BAE Systems", "Rolls-Royce", "BP", "Shell", "Exxon", "ExxonMobil", "Gazprom", "Yukos", "Rosneft", "Total",
        "Chevron", "GM", "General Motors", "Ford", "Toyota", "Honda", "Nissan", "Volkswagen", "VW", "BMW",
        "Mercedes", "DaimlerChrysler", "Fiat", "Renault", "Peugeot", "MG Rover", "Rover", "Tesco", "Sainsbury's",
        "Asda", "Wal-Mart", "Walmart", "Marks & Spencer", "M&S", "Boots", "HSBC", "Barclays", "Lloyds TSB",
        "Royal Bank of Scotland", "RBS", "Citigroup", "Goldman Sachs", "Morgan Stanley", "JP Morgan", "Deutsche Bank",
        "UBS", "Credit Suisse", "Enron", "WorldCom", "Parmalat", "Glazer", "Ryanair", "easyJet", "British Airways",
        "BA", "Lufthansa", "Air France", "KLM", "Qantas", "Aer Lingus", "Alitalia", "Deutsche Telekom",
        "France Telecom", "Telefonica", "Vivendi", "Bertelsmann", "News Corp", "News Corporation", "Viacom",
        "Napster", "iTunes", "Skype", "Kazaa", "Coca-Cola", "Pepsi", "McDonald's", "Nike", "Adidas", "Unilever",
        "Nestle", "GlaxoSmithKline", "Pfizer", "AstraZeneca", "Merck", "Novartis",
        // Football and sports clubs often named without a suffix.
        "Arsenal", "Chelsea", "Liverpool FC", "Everton", "Tottenham", "Spurs", "Fulham", "Middlesbrough",
        "Celtic", "Rangers", "Real Madrid", "Juventus", "Inter Milan", "AC Milan", "Bayern Munich", "Ajax",
        "Barca", "Porto FC", "Benfica", "Lions", "All Blacks", "Wallabies", "Springboks",
    ]

    /// Words that end an organization's name: "Bank", "Party", "Ltd" …
    static let organizationSuffixes: Set<String> = [
        "Inc", "Ltd", "Plc", "plc", "Corp", "Corporation", "Company", "Co", "Group", "Holdings", "Bank", "Party",
        "Council", "Agency", "Ministry", "Department", "Office", "University", "College", "School", "Association",
        "Commission", "Committee", "Federation", "Union", "Institute", "Foundation", "Trust", "Society", "Club",
        "FC", "United", "Rovers", "Athletic", "Wanderers", "Albion", "Authority", "Board", "Service", "Services",
        "Police", "Army", "Navy", "Court", "Parliament", "Assembly", "Organisation", "Organization", "Airlines",
        "Airways", "Motors", "Records", "Studios", "Pictures", "Networks", "Systems", "Technologies", "Software",
        "Times", "Post", "Guardian", "Telegraph", "Journal", "Herald", "Express", "Mail", "Tribune", "News",
        "Exchange", "Reserve", "Fund", "Communications", "Telecom", "Media", "Entertainment", "Industries", "Network", "Channel", "Television", "Radio", "Magazine", "Labs",
    ]

    /// Titles that mark the next capitalized words as a person.
    static let personTitles: Set<String> = [
        "Mr", "Mrs", "Ms", "Miss", "Dr", "Sir", "Dame", "Lord", "Lady", "Baroness", "President", "Premier",
        "Chancellor", "Senator", "Sen", "Governor", "Gov", "King", "Queen", "Prince", "Princess", "Pope", "Judge",
        "Justice", "General", "Gen", "Colonel", "Col", "Captain", "Capt", "Lieutenant", "Sergeant", "Admiral",
        "Secretary", "Minister", "Ambassador", "Rev", "Reverend", "Bishop", "Archbishop", "Cardinal", "Father",
        "Sheikh", "Ayatollah", "Professor", "Prof", "Commissioner", "Chairman", "Mayor", "Rep", "Detective",
        "Inspector", "Coach", "Manager", "Striker", "Midfielder", "Defender", "Goalkeeper", "Director",
    ]

    /// Given names common in English-language news (a person's name usually starts with one).
    static let givenNames: Set<String> = [
        "Adam", "Alan", "Alastair", "Alex", "Alexander", "Alice", "Alistair", "Andrew", "Andy", "Angela", "Ann",
        "Anna", "Anne", "Anthony", "Antonio", "Arnold", "Barack", "Barbara", "Ben", "Benjamin", "Bernie", "Bill",
        "Bob", "Boris", "Brian", "Bruce", "Carl", "Carlos", "Caroline", "Catherine", "Charles", "Charlie", "Chris",
        "Christian", "Christine", "Christopher", "Claire", "Colin", "Condoleezza", "Craig", "Dan", "Daniel", "Dave",
        "David", "Dennis", "Diana", "Dick", "Donald", "Douglas", "Ed", "Eddie", "Edward", "Elizabeth", "Elton",
        "Emma", "Emmanuel", "Eric", "Frank", "Fred", "Gary", "Geoff", "Geoffrey", "George", "Gerhard", "Gordon",
        "Graham", "Greg", "Hamid", "Harry", "Helen", "Henry", "Hillary", "Hugh", "Ian", "Jack", "Jacques", "James",
        "Jamie", "Jane", "Jason", "Jean", "Jeff", "Jennifer", "Jeremy", "Jim", "Jimmy", "Joe", "John", "Johnny",
        "Jon", "Jonathan", "Jose", "Joseph", "Julia", "Julian", "Justin", "Kate", "Keith", "Ken", "Kevin", "Kim",
        "Kofi", "Laura", "Lee", "Liam", "Linda", "Lisa", "Luis", "Margaret", "Maria", "Mark", "Martin", "Mary",
        "Matt", "Matthew", "Michael", "Michel", "Mick", "Mike", "Mikhail", "Nancy", "Neil", "Nick", "Nicola",
        "Nicolas", "Nigel", "Oliver", "Patrick", "Paul", "Paula", "Pete", "Peter", "Phil", "Philip", "Rachel",
        "Ralph", "Richard", "Rob", "Robbie", "Robert", "Robin", "Roger", "Roman", "Ronald", "Rupert", "Ruth",
        "Ryan", "Sam", "Samuel", "Sarah", "Scott", "Sean", "Sebastian", "Sergei", "Silvio", "Simon", "Stephen",
        "Steve", "Steven", "Stuart", "Susan", "Tessa", "Theresa", "Thomas", "Tim", "Timothy", "Tom", "Tommy",
        "Tony", "Vladimir", "Walter", "Wayne", "William", "Xi", "Yasser", "Yulia", "Viktor", "Victor", "Jose",
        "Ariel", "Mahmoud", "Ehud", "Benazir", "Pervez", "Junichiro", "Hu", "Wen", "Lula", "Hugo", "Fidel", "Kylie",
        "Madonna", "Dido", "Robbie", "Jennifer", "Brad", "Angelina", "Leonardo", "Martin", "Clint", "Jamie",
        "Gwyneth", "Nicole", "Kevin", "Jude", "Hilary", "Jodie", "Johnny", "Will", "Ewan", "Judi", "Helena",
        "Jonny", "Lawrence", "Lewis", "Gavin", "Gareth", "Dylan", "Stefan", "Roger", "Rafael", "Serena", "Venus",
        "Lleyton", "Andre", "Thierry", "Arsene", "Jose", "Alex", "Sven", "Rio", "Frank", "Kelly", "Paula",
    ]

    /// Capitalized words that are never an entity on their own (days, months, sentence openers).
    static let nonEntities: Set<String> = [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
        "March", "April", "May", "June", "July", "August", "September", "October", "November", "December", "The",
        "A", "An", "In", "On", "At", "But", "And", "Or", "If", "It", "He", "She", "They", "We", "I", "You", "This",
        "That", "These", "Those", "There", "Their", "His", "Her", "Its", "Our", "After", "Before", "During",
        "Despite", "While", "When", "Where", "What", "Who", "Why", "How", "As", "For", "From", "With", "Without",
        "Records", "Ties", "Relations", "Both", "Mr", "Mrs", "Ms", "Dr", "TV", "PC", "CD", "DVD", "GDP", "CEO", "MP",
        "MPs", "AM", "PM", "GMT", "BST", "AIDS", "HIV", "OK", "PIN", "SMS", "ID", "IT", "DJ", "VAT", "PR", "UFO",
        "ISP", "HD", "LCD", "USB", "PDA", "RAM", "CPU", "GPS", "SUV", "NHL", "NBA", "NFL", "FTSE", "Dow", "Nasdaq",
    ]

    /// Lowercase words allowed inside a name: "Bank of England", "Rio de Janeiro".
    static let connectors: Set<String> = ["of", "de", "da", "del", "der", "van", "von", "la", "le", "du", "al", "bin"]
}
