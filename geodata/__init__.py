"""geodata"""
