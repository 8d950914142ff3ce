"""The chat commands: a module per command, which reads its own words and answers them.

`table.py` registers every command once, under the words that start it; the bot looks a
message up there and hands the turn to the command it gets back.
"""
