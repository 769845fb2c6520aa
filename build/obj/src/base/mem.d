build/obj/src/base/mem.o: src/base/mem.c src/base/base.h
src/base/base.h:
