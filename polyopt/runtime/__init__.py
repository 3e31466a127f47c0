"""polyopt.runtime"""
