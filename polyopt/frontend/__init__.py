"""polyopt.frontend"""
