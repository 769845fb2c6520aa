build/obj/src/base/log.o: src/base/log.c src/base/base.h
src/base/base.h:
