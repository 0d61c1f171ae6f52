print("\u{48")
