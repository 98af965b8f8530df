package data

import "github.com/paulmach/orb"

// GenBound is the region Generate draws its features in: the coast from
// Taizhou in the north-east through Wenzhou, Ningde, Fuzhou and Putian to
// Quanzhou, Xiamen and Zhangzhou in the south-west, with their hinterland.
var GenBound = orb.Bound{Min: orb.Point{117.3, 24.3}, Max: orb.Point{121.9, 28.9}}

// genSite is a real town around which Generate clusters features.
type genSite struct {
	city, county string  // simplified Chinese, as the planning documents write them
	nameEN       string  // English short name of the county or district
	lon, lat     float64 // approximate position of the town centre
	weight       float64 // relative share of features drawn around it
	spreadKm     float64 // standard deviation of the Gaussian spread
	coastal      bool    // a port may lie here
}

// genSites lists the cluster centres: county seats and districts of the
// region, placed from general geographic knowledge (to a kilometre or so).
// Weights make the big cities denser than the mountain counties.
var genSites = []genSite{
	// Wenzhou
	{"温州市", "鹿城区", "Lucheng", 120.655, 28.016, 5, 6, false},
	{"温州市", "瓯海区", "Ouhai", 120.637, 27.967, 3, 6, false},
	{"温州市", "龙湾区", "Longwan", 120.811, 27.932, 3, 6, true},
	{"温州市", "洞头区", "Dongtou", 121.157, 27.836, 1, 4, true},
	{"温州市", "乐清市", "Yueqing", 120.983, 28.113, 3, 8, true},
	{"温州市", "瑞安市", "Rui'an", 120.655, 27.778, 3, 8, true},
	{"温州市", "永嘉县", "Yongjia", 120.691, 28.153, 2, 8, false},
	{"温州市", "平阳县", "Pingyang", 120.565, 27.662, 2, 7, true},
	{"温州市", "苍南县", "Cangnan", 120.426, 27.518, 2, 7, true},
	{"温州市", "龙港市", "Longgang", 120.553, 27.578, 2, 5, true},
	{"温州市", "文成县", "Wencheng", 120.091, 27.787, 1, 6, false},
	{"温州市", "泰顺县", "Taishun", 119.718, 27.557, 1, 6, false},
	// Taizhou
	{"台州市", "椒江区", "Jiaojiang", 121.442, 28.673, 3, 7, true},
	{"台州市", "温岭市", "Wenling", 121.386, 28.372, 2, 7, true},
	{"台州市", "玉环市", "Yuhuan", 121.232, 28.136, 1.5, 5, true},
	{"台州市", "临海市", "Linhai", 121.145, 28.858, 1.5, 6, false},
	// Lishui
	{"丽水市", "莲都区", "Liandu", 119.922, 28.468, 2, 7, false},
	{"丽水市", "青田县", "Qingtian", 120.290, 28.139, 1, 5, false},
	{"丽水市", "缙云县", "Jinyun", 120.091, 28.659, 1, 5, false},
	{"丽水市", "龙泉市", "Longquan", 119.141, 28.074, 1, 5, false},
	{"丽水市", "景宁畲族自治县", "Jingning", 119.636, 27.973, 0.7, 4, false},
	{"丽水市", "庆元县", "Qingyuan", 119.062, 27.619, 0.7, 4, false},
	// Ningde
	{"宁德市", "蕉城区", "Jiaocheng", 119.548, 26.666, 2, 7, true},
	{"宁德市", "福安市", "Fu'an", 119.648, 27.088, 1.5, 6, true},
	{"宁德市", "福鼎市", "Fuding", 120.216, 27.324, 1.5, 6, true},
	{"宁德市", "霞浦县", "Xiapu", 120.005, 26.885, 1, 6, true},
	{"宁德市", "寿宁县", "Shouning", 119.514, 27.460, 0.7, 4, false},
	{"宁德市", "古田县", "Gutian", 118.746, 26.577, 0.7, 4, false},
	// Fuzhou
	{"福州市", "鼓楼区", "Gulou", 119.296, 26.074, 5, 10, false},
	{"福州市", "马尾区", "Mawei", 119.455, 25.989, 2, 5, true},
	{"福州市", "长乐区", "Changle", 119.523, 25.962, 2, 7, true},
	{"福州市", "福清市", "Fuqing", 119.384, 25.720, 2, 7, true},
	{"福州市", "闽侯县", "Minhou", 119.131, 26.150, 1.5, 6, false},
	// Putian
	{"莆田市", "城厢区", "Chengxiang", 119.008, 25.454, 3, 8, false},
	{"莆田市", "秀屿区", "Xiuyu", 119.105, 25.318, 1, 5, true},
	{"莆田市", "仙游县", "Xianyou", 118.692, 25.362, 1, 5, false},
	// Quanzhou
	{"泉州市", "鲤城区", "Licheng", 118.587, 24.909, 4, 6, false},
	{"泉州市", "丰泽区", "Fengze", 118.613, 24.891, 3, 5, true},
	{"泉州市", "洛江区", "Luojiang", 118.671, 24.940, 1.5, 5, false},
	{"泉州市", "泉港区", "Quangang", 118.916, 25.126, 1.5, 5, true},
	{"泉州市", "晋江市", "Jinjiang", 118.552, 24.781, 4, 8, true},
	{"泉州市", "石狮市", "Shishi", 118.648, 24.732, 2, 5, true},
	{"泉州市", "南安市", "Nan'an", 118.386, 24.960, 2, 8, false},
	{"泉州市", "惠安县", "Hui'an", 118.797, 25.031, 2, 7, true},
	{"泉州市", "泉州台商投资区", "Taishang Investment Zone", 118.780, 24.965, 1.5, 4, true},
	{"泉州市", "安溪县", "Anxi", 118.186, 25.056, 1.5, 7, false},
	{"泉州市", "永春县", "Yongchun", 118.294, 25.322, 1, 6, false},
	{"泉州市", "德化县", "Dehua", 118.241, 25.492, 1, 6, false},
	// Xiamen
	{"厦门市", "思明区", "Siming", 118.082, 24.445, 4, 7, true},
	{"厦门市", "集美区", "Jimei", 118.097, 24.576, 2, 5, true},
	{"厦门市", "同安区", "Tong'an", 118.152, 24.723, 1.5, 6, false},
	{"厦门市", "翔安区", "Xiang'an", 118.248, 24.619, 1.5, 5, true},
	// Zhangzhou
	{"漳州市", "芗城区", "Xiangcheng", 117.654, 24.510, 2, 7, false},
	{"漳州市", "龙海区", "Longhai", 117.818, 24.447, 1.5, 6, true},
	// Inland Fujian
	{"南平市", "延平区", "Yanping", 118.182, 26.638, 1.5, 6, false},
	{"南平市", "建瓯市", "Jian'ou", 118.305, 27.023, 0.8, 5, false},
	{"三明市", "三元区", "Sanyuan", 117.608, 26.234, 1.5, 6, false},
	{"三明市", "永安市", "Yong'an", 117.365, 25.942, 1, 5, false},
	{"三明市", "大田县", "Datian", 117.847, 25.692, 0.7, 4, false},
}

// genWord is a name part in Chinese and English.
type genWord struct{ zh, en string }

// genDescriptors are the words Generate puts before a feature's kind in its
// name, as planning documents do.
var genDescriptors = []genWord{
	{"临港", "Lingang"}, {"滨海", "Binhai"}, {"高新", "Hi-tech"}, {"智能", "Smart"}, {"数字", "Digital"},
	{"绿色", "Green"}, {"现代", "Modern"}, {"东部", "Eastern"}, {"西部", "Western"}, {"北部", "Northern"},
	{"南部", "Southern"}, {"海西", "Haixi"}, {"两岸", "Cross-Strait"}, {"山海", "Mountain–Sea"},
	{"丝路", "Silk Road"}, {"生态", "Eco"}, {"先进制造", "Advanced Manufacturing"}, {"新材料", "New Materials"},
	{"时尚", "Fashion"}, {"科创", "Sci-tech"},
}

// genKind is one kind of a planning layer with its relative frequency and
// how Generate names it. genKinds lists every kind of the vocabulary table
// (TestGenKindsCoverVocabulary checks it), most frequent first.
type genKind struct {
	kind   string
	weight float64
	zh, en string
}

var genKinds = map[string][]genKind{
	IndustrialParks: {
		{"industrial_park", 30, "产业园", "Industrial Park"},
		{"industrial_cluster", 12, "产业集聚区", "Industrial Cluster"},
		{"innovation_base", 12, "科创园", "Innovation Park"},
		{"new_district", 10, "新区", "New District"},
		{"cooperation_platform", 8, "合作平台", "Cooperation Platform"},
		{"pilot_zone", 8, "示范区", "Demonstration Zone"},
		{"eco_tourism_park", 10, "生态旅游文化产业园", "Eco-tourism Culture Park"},
		{"business_district", 10, "商务区", "Business District"},
		{"urban_cluster", 3, "城镇群", "Town Cluster"},
	},
	Corridors: {
		{"highway", 25, "干线公路", "Trunk Road"},
		{"expressway", 20, "高速公路", "Expressway"},
		{"urban_expressway", 8, "快速路", "Urban Expressway"},
		{"railway", 8, "铁路", "Railway"},
		{"high_speed_rail", 6, "高铁", "High-speed Railway"},
		{"suburban_rail", 6, "市域铁路", "Suburban Railway"},
		{"metro", 6, "轨道交通线", "Metro Line"},
		{"bridge", 5, "大桥", "Bridge"},
		{"tunnel", 4, "隧道", "Tunnel"},
		{"shipping_channel", 5, "航道", "Shipping Channel"},
		{"concept_corridor", 7, "科创走廊", "Science Corridor"},
	},
	Ports: {
		{"port_area", 35, "港区", "Port Area"},
		{"port", 10, "港", "Port"},
		{"multimodal_hub", 20, "多式联运枢纽", "Multimodal Hub"},
		{"rail_hub", 20, "铁路枢纽", "Rail Hub"},
		{"cruise_terminal", 5, "邮轮码头", "Cruise Terminal"},
		{"airport", 10, "机场", "Airport"},
		{"energy_site", 4, "能源基地", "Energy Base"},
	},
	Enclaves: {
		{"science_enclave", 40, "科创飞地", "Science Enclave"},
		{"industrial_enclave", 40, "产业飞地", "Industrial Enclave"},
		{"headquarters_enclave", 20, "总部飞地", "Headquarters Enclave"},
	},
	EcologicalSpaces: {
		{"reservoir", 20, "水库", "Reservoir"},
		{"nature_reserve", 20, "自然保护区", "Nature Reserve"},
		{"wetland_park", 20, "湿地公园", "Wetland Park"},
		{"ecological_park", 15, "生态园", "Ecological Park"},
		{"marine_area", 15, "海洋保护区", "Marine Protected Area"},
		{"ecological_belt", 10, "生态廊道", "Ecological Belt"},
	},
}

// genStatusWords are the verbs Generate's synthetic excerpts use for each
// status.
var genStatusWords = map[string]string{
	"planned":            "规划建设",
	"under_construction": "加快建设",
	"operational":        "提升",
	"proposed":           "谋划推进",
}
