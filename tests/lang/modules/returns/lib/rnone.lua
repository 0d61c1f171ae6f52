print("rnone runs")
