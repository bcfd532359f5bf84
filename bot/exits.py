"""The process's exit codes, one meaning each, shared by the command line, the runner and every platform's service:
a supervisor or a script reads them, so they must not drift between modules."""

EXIT_OK = 0  # done, or stopped on request (SIGTERM, SIGINT)
EXIT_FAIL = 1  # something went wrong: a refused token, an unreachable platform, a failed check
EXIT_USAGE = 2  # the command or its settings cannot work as given (a missing token, a bad argument)
EXIT_INTERRUPTED = 130  # Ctrl-C at the console, as a shell reports it
