"""polyopt.poly"""
