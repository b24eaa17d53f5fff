"""One module per field of an article page (body, title, date, authors), each pure and typed.

``crawlers.extraction`` parses the page once and hands the tree to these functions; each returns
its value with the method that found it, so a stored value always says where it came from.
"""
