"""The customer's side: joining a ring, shopping, the cart, checkout and their orders."""
