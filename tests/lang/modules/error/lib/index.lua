local cfg
return cfg.port
