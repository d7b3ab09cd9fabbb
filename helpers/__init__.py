"""How a neural network learns, from scratch in NumPy: the code the course notebooks use."""
