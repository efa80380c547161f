"""What the model measures: the metric registry and the records of a run.

* :mod:`.registry` - ``@metric(name, low, high)``, :data:`REGISTRY`, :class:`Snapshot`;
* :mod:`.basic` - opinions, clusters, silence, activity, attention inequality;
* :mod:`.disorder` - the disorder measures and the three indices with their mean;
* :mod:`.power` - capital, access and follow inequality, when power moves;
* :mod:`.interests` - whose view prevails (stance gaps) and the entrants' share;
* :mod:`.convergence` - how much opinions still move (classic models);
* :mod:`.topics` - several issues: alignment, salience, per-issue polarisation;
* :mod:`.groups` - per-stratum and per-platform values;
* :mod:`.distributions` - the opinion histogram and the attention Lorenz curve;
* :mod:`.recorder` - the per-step buffers a model fills.

Importing this package registers the built-in metrics in a fixed order (the column
order of metrics.csv): basic, convergence, disorder, interests, power, topics. A run
records the metrics of its family (:func:`recorded_metrics`): the ecology's, or a classic
model's own measures. It loads neither Mesa nor Numba.
"""

from sim.engine.metrics import (  # noqa: F401 - registration, in this order
    basic,
    convergence,
    disorder,
    interests,
    power,
    topics,
)
from sim.engine.metrics.registry import (
    REGISTRY,
    MetricDef,
    Snapshot,
    family_of,
    metric,
    model_family,
    recorded_metrics,
)

__all__ = ["REGISTRY", "MetricDef", "Snapshot", "family_of", "metric", "model_family",
           "recorded_metrics"]
