print("rnil runs") return nil
