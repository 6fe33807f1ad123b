"""`python -m pb.tally FILE.pb --rule R`: see pb/tally/cli.py."""

from pb.tally.cli import tally_command

tally_command(prog_name="python -m pb.tally")
