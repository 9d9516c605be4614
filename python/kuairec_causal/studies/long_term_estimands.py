"""The long-term effect on the exposed user-days (ATT) next to the effect over all of them (ATE).

A feed team asks two questions of the same panel: what would a high-watch-exposure day do to a user's
next week on average (ATE), and what did it do on the days the feed actually served it (ATT)? They
differ when the feed exposes the users who gain more, or less, than average. Three adjusted
estimators answer both on the primary outcome:

* the IPW marginal structural model with the analysis weighting, retargeted (ATT weights: exposed
  days 1, other days e / (1 - e), stabilised and clipped at the same cap), bootstrap with the
  propensity refitted in every replicate;
* linear g-computation (one ridge model per arm) averaged over the exposed days;
* the cross-fitted AIPW with the ATT score, from the same out-of-fold fits as its ATE.

The ATE rows are the ones of ``long_term_estimator_comparison`` (not refitted), so the table sets
each estimator's two answers side by side.
"""

from __future__ import annotations

import pandas as pd

from kuairec_causal import estimators as est
from kuairec_causal import registry
from kuairec_causal.studies.common import StudyContext, long_term_truth_outcomes
from kuairec_causal.studies.long_term_tables import EffectRow

STUDY = "long_term"
ESTIMATORS = ("msm", "gcomp_linear", "aipw")
ESTIMANDS = ("ATE", "ATT")


def att_truth(context: StudyContext, outcome_column: str) -> float | None:
    names = {column: name for name, column in long_term_truth_outcomes(context.windows).items()}
    return context.true_value(STUDY, "ATT", names[outcome_column])


def att_rows(panel, models: dict, msm: est.EffectEstimate, aipw_primary: est.AIPWResult, n_boot: int,
             seed: int, context: StudyContext, jobs: int | None = 1) -> list[EffectRow]:
    """The ATT of the three estimators on the primary outcome (``panel``: the study's Panel;
    ``msm``: the MSM family's ATT cell of the analysis weighting, fitted with the ATE rows)."""
    outcome = panel.columns.primary_outcome
    truth = att_truth(context, outcome)
    boot_note = f"user-cluster bootstrap, {n_boot} replicates" if n_boot else "no bootstrap (n_boot = 0)"
    ridge = est.g_computation(panel.data, outcome=outcome, **panel.roles, learner=models["ridge"], strategy="t",
                              n_boot=n_boot, seed=seed, estimand="ATT", n_jobs=jobs)
    aipw = aipw_primary.other_estimands["ATT"]
    if aipw.replicates is not None:  # the bootstrap SD, as the ATE rows report it
        aipw.std_error = float(est.bootstrap_std(aipw.replicates))
    fits = {
        "msm": (msm, "logistic propensity, ATT weights stabilized and clipped",
                f"{boot_note}, propensity refitted in each replicate" if n_boot else boot_note),
        "gcomp_linear": (ridge, "linear_ridge", f"{boot_note}, outcome models refitted in each replicate"
                         if n_boot else boot_note),
        "aipw": (aipw, "LightGBM outcome per arm + logistic propensity", aipw.ci_method),
    }
    rows = []
    for estimator_id, (effect, model, source) in fits.items():
        estimator = registry.estimator(estimator_id)
        rows.append(EffectRow(outcome=outcome, estimator=estimator.label, method=effect.method, model=model,
                              effect=effect, source=source, true_value=truth, estimator_order=estimator.order))
    return rows


def estimand_table(ate_rows: list[EffectRow], att: list[EffectRow]) -> pd.DataFrame:
    """ATE and ATT per estimator on the primary outcome, ATE first."""
    labels = {registry.estimator(e).label for e in ESTIMATORS}
    outcome = att[0].outcome
    ate = [r for r in ate_rows if r.outcome == outcome and r.estimator in labels]
    records = [{"estimand": "ATE", **r.record()} for r in ate] + [{"estimand": "ATT", **r.record()} for r in att]
    table = pd.DataFrame(records).sort_values(["estimator_order", "estimand"], kind="stable")
    keep = ["outcome", "estimator_order", "estimator", "estimand", "method", "model", "estimate", "std_error",
            "ci_lower", "ci_upper", "reference_mean", "relative_lift", "source", "n_boot", "n", "users",
            "interval_crosses_zero", "true_value", "covers_truth"]
    table = table[keep].reset_index(drop=True)
    table["true_value"] = table["true_value"].astype(float)
    table["covers_truth"] = table["covers_truth"].astype("boolean")
    return table
