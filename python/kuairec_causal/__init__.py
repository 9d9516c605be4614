"""kuairec-causal: a SQL-first causal analysis warehouse for the KuaiRec short-video logs."""

__version__ = "0.1.0"
