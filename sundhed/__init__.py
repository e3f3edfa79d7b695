"""sundhed"""
