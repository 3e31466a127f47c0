"""polyopt.analysis"""
