"""Forms of the delivery pages, one module per part of the work. They parse input; services decide."""
