build/obj/src/cli/dispatch.o: src/cli/dispatch.c src/base/base.h \
 src/cli/cli.h
src/base/base.h:
src/cli/cli.h:
