"""How people write: greetings and fillers around the question, misspellings, domain words from the data folder."""
