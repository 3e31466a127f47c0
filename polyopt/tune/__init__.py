"""Autotuning: search the legal plans of a kernel on the machine at hand, remember the winner.

* :mod:`.machine`: the CPU, caches, vector width, threads and compiler results are filed under;
* :mod:`.model`: a cost model that ranks candidates before anything is measured;
* :mod:`.space`: the candidates, every one a plan (checked against the dependences when applied);
* :mod:`.search`: measurement against the incumbent, the budget, the report;
* :mod:`.store`: remembered winners on disk.

The tuner works on a kernel object through its public methods (``schedule``, ``compile``), so it
sits below :mod:`polyopt.kernel` in the layers.
"""
