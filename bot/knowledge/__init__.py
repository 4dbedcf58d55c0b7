"""Policy Q&A: the shipped policy documents split into cited passages, and retrieval over them."""
