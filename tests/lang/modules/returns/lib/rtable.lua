return {tag = "a table"}
