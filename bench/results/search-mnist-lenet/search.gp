# bitern compare --search: mnist, lenet. Written by `bitern compare --search --models search-mnist-lenet --dataset mnist --data-dir /work/shared/data --threads 1 --latency-n 300 --out search-mnist-lenet`; `gnuplot search.gp` in this folder redraws the plots.
if (!exists('suffix')) suffix = ''

reset
set terminal pngcairo size 1000,650 font ',10' noenhanced
set output 'search_bytes.png'.suffix
set grid
set title 'Depth search against SQ: mnist, lenet, every layer quantized'
set xlabel 'model bytes (packed weights + scales + float parameters)'
set ylabel 'test accuracy (%)'
set key bottom right
set offsets graph 0.05, graph 0.15, graph 0.1, graph 0.1
$S << EOD
BBBB 69772.000 93.800 1
BBBT 70412.000 93.710 0
BBTB 121772.000 95.600 0
BBTT 122412.000 95.440 0
BTBB 72972.000 94.850 1
BTBT 73612.000 95.410 0
BTTB 124972.000 96.260 1
BTTT 125612.000 96.210 0
TBBB 69932.000 94.150 1
TBBT 70572.000 94.650 1
TBTB 121932.000 95.770 0
TBTT 122572.000 95.900 0
TTBB 73132.000 95.510 1
TTBT 73772.000 95.950 1
TTTB 125132.000 96.350 1
TTTT 125772.000 96.670 1
EOD
$F << EOD
69772.000 93.800
69932.000 94.150
70572.000 94.650
72972.000 94.850
73132.000 95.510
73772.000 95.950
124972.000 96.260
125132.000 96.350
125772.000 96.670
EOD
$Q << EOD
"sq-g0.05 BBTB" 121772.000 97.350
"sq-g0.5 BBBB" 69772.000 97.720
"sq-g5 BBBB" 69772.000 97.820
"sq-size-budget1.1-g0.05 TTBT" 73772.000 97.330
"sq-size-g0.5 TBBB" 69932.000 97.620
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
set title 'Depth search against SQ: mnist, lenet, every layer quantized'
set xlabel 'batch-1 latency (us, one thread)'
set ylabel 'test accuracy (%)'
set key bottom right
set offsets graph 0.05, graph 0.15, graph 0.1, graph 0.1
$S << EOD
BBBB 61.058 93.800 0
BBBT 61.129 93.710 0
BBTB 64.142 95.600 0
BBTT 57.011 95.440 0
BTBB 56.641 94.850 0
BTBT 65.861 95.410 0
BTTB 64.106 96.260 0
BTTT 55.908 96.210 1
TBBB 54.272 94.150 1
TBBT 62.635 94.650 0
TBTB 63.024 95.770 0
TBTT 55.942 95.900 0
TTBB 60.275 95.510 0
TTBT 57.065 95.950 0
TTTB 59.569 96.350 0
TTTT 56.785 96.670 1
EOD
$F << EOD
54.272 94.150
55.908 96.210
56.785 96.670
EOD
$Q << EOD
"sq-g0.05 BBTB" 68.063 97.350
"sq-g0.5 BBBB" 61.188 97.720
"sq-g5 BBBB" 55.707 97.820
"sq-size-budget1.1-g0.05 TTBT" 54.878 97.330
"sq-size-g0.5 TBBB" 57.960 97.620
EOD
plot $F using 1:2 with steps lw 2 lc rgb '#888888' title 'search: Pareto front', \
     $S using 2:3 with points pt 7 ps 1.2 lc rgb '#1f77b4' title 'search: 16 assignments', \
     $S using 2:3:1 with labels offset 0,0.9 font ',8' notitle, \
     $Q using 2:3 with points pt 5 ps 1.4 lc rgb '#d62728' title 'SQ, one run per gamma', \
     $Q using 2:3:1 with labels offset 0,-1.0 font ',8' tc rgb '#d62728' notitle
