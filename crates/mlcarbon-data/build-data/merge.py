import csv, io, sys
def merge(parts, out):
    rows, seen, header = [], {}, None
    for p in parts:
        with open(p, newline='') as f:
            r = csv.reader(f)
            h = next(r)
            header = header or h
            assert h == header, (p, h)
            for row in r:
                if not row: continue
                if row[0] in seen:
                    print("dup", row[0], "in", p, "(kept first)", file=sys.stderr); continue
                seen[row[0]] = 1; rows.append(row)
    with open(out, 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n'); w.writerow(header); w.writerows(rows)
    print(out, len(rows))
merge(['_sources_hardware.csv','_sources_grid.csv','_sources_cloud.csv'], 'sources.csv')
merge(['_constants_hardware.csv','_constants_grid.csv','_constants_cloud.csv'], 'constants.csv')
