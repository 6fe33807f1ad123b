"""Count a Pabulib file from the command line, with no web app, database or secret:

    python -m pb.tally FILE.pb --rule mes
    flask --app pb tally FILE.pb --rule mes      (the same command, found by Flask as a plugin)

It prints the selected project ids, in order of selection, as JSON.
"""

import json

import click

from pb.tally import RULES, PabulibError, tally_file

# The rules a researcher names on the command line; every rule of the engine works.
CHOICES = ("mes", "greedy", "phragmen", *sorted(set(RULES) - {"mes", "greedy", "phragmen"}))


@click.command("tally")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--rule", type=click.Choice(CHOICES), default="mes", show_default=True)
def tally_command(path: str, rule: str) -> None:
    """Count a Pabulib .pb file and print the selected project ids as JSON."""
    try:
        selected = tally_file(path, rule)
    except (PabulibError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(selected))
