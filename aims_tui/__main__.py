from aims_tui.cli import main

main()
