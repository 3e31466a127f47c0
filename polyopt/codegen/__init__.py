"""polyopt.codegen"""
