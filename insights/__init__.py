"""/insights/: the organisation's figures, over the lessons each viewer may see."""
