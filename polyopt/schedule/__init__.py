"""polyopt.schedule"""
