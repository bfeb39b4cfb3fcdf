from armswatch.cli.main import app

app(prog_name="armswatch")
