build/obj/src/base/time.o: src/base/time.c src/base/base.h
src/base/base.h:
