SELECT '?', "a?", `b` -- ?
/* ? */ FROM x WHERE y LIKE ?3 AND ifnull(z, random()) > 0; PRAGMA foo; DROP TRIGGER IF EXISTS t1