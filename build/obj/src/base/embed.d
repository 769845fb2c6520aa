build/obj/src/base/embed.o: src/base/embed.c src/base/base.h
src/base/base.h:
