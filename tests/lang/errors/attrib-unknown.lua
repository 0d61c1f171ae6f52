local a <static> = 1

