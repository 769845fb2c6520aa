build/obj/src/cli/cmd_hj212.o: src/cli/cmd_hj212.c src/cli/cli.h \
 src/hj212/hj212.h src/base/base.h
src/cli/cli.h:
src/hj212/hj212.h:
src/base/base.h:
