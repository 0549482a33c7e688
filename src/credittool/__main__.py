from credittool.cli import main

main()
