/* main.c: the one main() of envgov; everything else is library code that tests link directly. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return eg_cli_main(argc, argv);
}
