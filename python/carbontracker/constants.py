"""Upstream carbontracker's constants (carbontracker/constants.py), with the same names and
values. The library uses the same numbers (PUE 1.58 by default, 481 gCO2eq/kWh when no intensity
is known, 107.5 g CO2eq per km by car); these names are for code that imports them.
"""

#: Data-centre power usage effectiveness from the Uptime Institute's yearly surveys.
PUE_2020 = 1.59
PUE_2021 = 1.57
PUE_2022 = 1.55
#: The default PUE (Daniel Bizo, 2023, Uptime Institute Global Data Center Survey).
PUE_2023 = 1.58

#: World-wide average carbon intensity of electricity, gCO2eq/kWh (upstream's 2024 figure under
#: its 2019 name); used when a location's intensity is unknown.
WORLD_2019_CARBON_INTENSITY = 481

__all__ = ["PUE_2020", "PUE_2021", "PUE_2022", "PUE_2023", "WORLD_2019_CARBON_INTENSITY"]
