"""Stage 3 of the pipeline: the contract, who pays whom and when.

- :mod:`.terms`: the contract's terms (metrics, payment mechanisms, timing, payers,
  capital, guarantee, evaluation) and the reader of contract files.

What the terms are worth in a scenario (prices, dates, money) is worked out by the
ledger (:mod:`sibrisk.ledger`). The package's names load at first use.
"""

from .._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    name: "terms" for name in (
        "Contract", "load_contract", "Metric", "Trigger", "RateCard", "SurplusShare",
        "EffectPayment", "SavingsShare", "Payer", "Tranche", "Guarantee", "Capital",
        "Evaluation", "BASE_METRIC", "MECHANISMS", "CAPITAL_MODELS", "SETTLEMENTS")
} | {  # where sibrisk 0.1 had them: the tariff is priced by the ledger now
    "price_surplus_share": "..ledger.tariff", "SurplusShareTariff": "..ledger.tariff",
})
