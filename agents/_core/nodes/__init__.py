"""Graph nodes: small functions that take the services and the state and return a partial state update."""
