"""Norwegian NLP: pipeline loader, lemmatizer, codebook compiler and the passage labeller."""
