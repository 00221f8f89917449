"""What pyproject.toml cannot say: the demo ships inside the package.

The demo scenario and its data live in ``scenarios/`` (where users copy them from and
where the what-ifs extend it); the wheel carries them as ``planner/demo/`` so that
``planner demo`` works from an installed wheel (``planner.scenario.demo_scenario_path``).
Leaflet and the other map assets are package data of ``planner.maps``, the message
catalogues (``*.po``) of ``planner.i18n``.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["planner", "planner.*"]), "planner.demo"],
    package_dir={"planner.demo": "scenarios"},
    package_data={
        "planner.i18n": ["*.po"],
        "planner.maps": ["static/*.js", "static/*.css", "static/*.md", "static/images/*.png"],
        "planner.demo": ["demo.yaml", "whatif-*.yaml", "data/helsinki_*.csv"],
    },
)
