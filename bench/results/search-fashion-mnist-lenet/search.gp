# bitern compare --search: fashion-mnist, lenet. Written by `bitern compare --search --models search-fashion-mnist-lenet --dataset fashion-mnist --data-dir /usr/share/datasets/fashion-mnist --threads 1 --latency-n 300 --out search-fashion-mnist-lenet`; `gnuplot search.gp` in this folder redraws the plots.
if (!exists('suffix')) suffix = ''

reset
set terminal pngcairo size 1000,650 font ',10' noenhanced
set output 'search_bytes.png'.suffix
set grid
set title 'Depth search against SQ: fashion-mnist, lenet, every layer quantized'
set xlabel 'model bytes (packed weights + scales + float parameters)'
set ylabel 'test accuracy (%)'
set key bottom right
set offsets graph 0.05, graph 0.15, graph 0.1, graph 0.1
$S << EOD
BBBB 69772.000 79.830 1
BBBT 70412.000 80.160 0
BBTB 121772.000 82.820 0
BBTT 122412.000 83.160 0
BTBB 72972.000 80.630 0
BTBT 73612.000 80.960 0
BTTB 124972.000 83.340 0
BTTT 125612.000 83.450 0
TBBB 69932.000 81.090 1
TBBT 70572.000 81.900 1
TBTB 121932.000 84.010 1
TBTT 122572.000 83.800 0
TTBB 73132.000 82.440 1
TTBT 73772.000 83.260 1
TTTB 125132.000 84.640 1
TTTT 125772.000 85.150 1
EOD
$F << EOD
69772.000 79.830
69932.000 81.090
70572.000 81.900
73132.000 82.440
73772.000 83.260
121932.000 84.010
125132.000 84.640
125772.000 85.150
EOD
$Q << EOD
"sq-g0.05 BTTB" 124972.000 83.940
"sq-g0.5 BBBB" 69772.000 84.720
"sq-g5 BBBB" 69772.000 84.020
"sq-size-budget1.1-g0.05 TTBT" 73772.000 84.960
"sq-size-g0.5 TBBT" 70572.000 85.010
EOD
plot $F using 1:2 with steps lw 2 lc rgb '#888888' title 'search: Pareto front', \
     $S using 2:3 with points pt 7 ps 1.2 lc rgb '#1f77b4' title 'search: 16 assignments', \
     $S using 2:3:1 with labels offset 0,0.9 font ',8' notitle, \
     $Q using 2:3 with points pt 5 ps 1.4 lc rgb '#d62728' title 'SQ, one run per gamma', \
     $Q using 2:3:1 with labels offset 0,-1.0 font ',8' tc rgb '#d62728' notitle

reset
set terminal pngcairo size 1000,650 font ',10' noenhanced
set output 'search_latency.png'.suffix
set grid
set title 'Depth search against SQ: fashion-mnist, lenet, every layer quantized'
set xlabel 'batch-1 latency (us, one thread)'
set ylabel 'test accuracy (%)'
set key bottom right
set offsets graph 0.05, graph 0.15, graph 0.1, graph 0.1
$S << EOD
BBBB 55.132 79.830 1
BBBT 56.930 80.160 0
BBTB 70.750 82.820 0
BBTT 70.450 83.160 0
BTBB 57.990 80.630 0
BTBT 66.384 80.960 0
BTTB 68.685 83.340 0
BTTT 61.267 83.450 1
TBBB 57.673 81.090 0
TBBT 64.849 81.900 0
TBTB 63.805 84.010 0
TBTT 67.091 83.800 0
TTBB 56.050 82.440 1
TTBT 60.598 83.260 1
TTTB 63.449 84.640 0
TTTT 62.337 85.150 1
EOD
$F << EOD
55.132 79.830
56.050 82.440
60.598 83.260
61.267 83.450
62.337 85.150
EOD
$Q << EOD
"sq-g0.05 BTTB" 68.953 83.940
"sq-g0.5 BBBB" 64.833 84.720
"sq-g5 BBBB" 62.573 84.020
"sq-size-budget1.1-g0.05 TTBT" 57.243 84.960
"sq-size-g0.5 TBBT" 57.557 85.010
EOD
plot $F using 1:2 with steps lw 2 lc rgb '#888888' title 'search: Pareto front', \
     $S using 2:3 with points pt 7 ps 1.2 lc rgb '#1f77b4' title 'search: 16 assignments', \
     $S using 2:3:1 with labels offset 0,0.9 font ',8' notitle, \
     $Q using 2:3 with points pt 5 ps 1.4 lc rgb '#d62728' title 'SQ, one run per gamma', \
     $Q using 2:3:1 with labels offset 0,-1.0 font ',8' tc rgb '#d62728' notitle
