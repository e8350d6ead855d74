# bitern compare: mnist, mlp. Written by `bitern compare --models /tmp/runs/compare-mnist-mlp --dataset mnist --data-dir ../shared/data --out bench/results/compare-mnist-mlp-gamma0.02`; `gnuplot plots.gp` in this folder redraws the plots.
if (!exists('suffix')) suffix = ''

reset
set terminal pngcairo size 900,600 font ',10' noenhanced
set output 'acc_vs_bytes.png'.suffix
set grid
set title 'Accuracy against model bytes: mnist, mlp (engine, avx512)'
set logscale x
set format x '%.0s%cB'
set xlabel 'model bytes (packed weights + scales + float parameters)'
set ylabel 'test accuracy (%)'
set offsets graph 0.1, graph 0.1, graph 0.1, graph 0.1
$D << EOD
float 2155568 98.680
binary 1648688 98.460
ternary 1665072 98.550
sq 1648688 98.550
EOD
plot $D using 2:3 with points pt 7 ps 2 lc rgb '#1f77b4' notitle, '' using 2:3:1 with labels offset 0,1.3 notitle

reset
set terminal pngcairo size 1000,600 font ',10' noenhanced
set output 'latency.png'.suffix
set grid
set title 'Batch-1 latency per model and kernel level (median, one thread): mnist, mlp'
set logscale y
set ylabel 'microseconds per image'
set style fill solid 0.7
set boxwidth 0.7
set xtics rotate by -30
set yrange [*:*]
$L << EOD
"float OpenBLAS" 63.196
"binary avx512" 55.164
"binary avx2" 24.151
"binary scalar" 624.899
"ternary avx512" 57.776
"ternary avx2" 28.561
"ternary scalar" 679.120
"sq avx512" 55.434
"sq avx2" 15.768
"sq scalar" 608.626
EOD
plot $L using 0:2:xtic(1) with boxes lc rgb '#2ca02c' notitle, '' using 0:2:(sprintf('%.0f', $2)) with labels offset 0,0.8 notitle

reset
set terminal pngcairo size 900,600 font ',10' noenhanced
set output 'sq_depth.png'.suffix
set grid
set title 'The SQ model, layer by layer: bits per weight (mnist, mlp)'
set logscale y 2
set yrange [0.5:256]
set ylabel 'bits per weight (1 binary, 2 ternary, 32 float)'
set xlabel 'layer (index in the model, op)'
set xtics rotate by -30
set bmargin 7
set style fill solid 0.7
set boxwidth 0.6
$S << EOD
"0 fc:512+bn+relu" 32 "float, 401408 weights"
"3 fc:256+bn+relu" 1 "binary, 131072 weights"
"6 fc:10" 32 "float, 2560 weights"
EOD
plot $S using 0:2:xtic(1) with boxes lc rgb '#d62728' notitle, '' using 0:2:3 with labels rotate by 90 left offset 0,0.5 notitle

reset
set terminal pngcairo size 900,650 font ',10' noenhanced
set output 'beta.png'.suffix
set grid
set title 'SQ: beta of each quantized layer over training (mnist, mlp)'
set xlabel 'epoch'
set xtics 1
set ylabel 'beta (rad)'
set yrange [0.7:1.65]
set key outside below maxcols 2
set arrow from 6.5, graph 0 to 6.5, graph 1 nohead lc rgb 'gray'
set label 'depths frozen' at 6.6, graph 0.95
$B << EOD
1 1.08026
2 1.28479
3 1.39325
4 1.46971
5 1.51587
6 1.56080
7 1.56080
8 1.56080
EOD
plot pi/2 with lines dt 2 lc rgb 'black' title 'pi/2: the binary penalty', atan(81) with lines dt 3 lw 2 lc rgb 'red' title 'atan(81): above it a layer turns binary (u0 = 0.1, p = 2: the default depth rule)', pi/4 with lines dt 4 lc rgb 'gray30' title 'pi/4: the ternary penalty', $B using 1:2 with linespoints lw 2 title 'layer 3 fc:256+bn+relu'
